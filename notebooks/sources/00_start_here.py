# %% [markdown]
# # 00 · Start here: landscapes, gradients and one step downhill
#
# **Goal:** see what an optimizer does on a picture you can hold in your head, and write the
# two pieces of code every later lesson stands on: a gradient-descent step and a gradient
# check.
#
# **Time:** about 25 minutes.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/adamcourse/adamcourse/blob/main/notebooks/00_start_here.ipynb)

# %% [markdown]
# ## How this course works
#
# Six short lessons build the Adam optimizer one idea at a time:
# **00** gradients → **01** SGD → **02** momentum → **03** AdaGrad → **04** RMSProp → **05** Adam;
# **06** trains a small image classifier in Keras with all of them, **07** adds what people use
# with Adam today (weight decay, schedules, clipping), and **08** shows what one step costs.
#
# * **Where to run it.** Click the *Open in Colab* badge above and run the cells in order
#   (Shift+Enter), or run it on your own machine (`python3 course.py lab` in the course folder).
# * **The setup cell** (next) installs the course's small library in Colab. It does not upgrade
#   anything Colab already has, so you never need to restart the runtime. On your own machine it
#   only imports the library.
# * **Exercises.** Cells marked *Exercise* ask you to complete a function. In the student copy the
#   body is `raise NotImplementedError()`: replace that line with your code. In the full copy you
#   see the course's solution between two marker comments (BEGIN and END SOLUTION). To try an
#   exercise there, delete the lines between the markers and write your own, then run the check.
# * **Instant checks.** The cell after each exercise runs your function on a few cases. It
#   prints ✔ when your function is right, or ✘ with the *likely mistake* and one failing case.
#   Until you write anything it says *not attempted yet*, and the rest of the notebook still
#   runs: later cells use the library's own version of what you wrote.
# * **Grading.** When your instructor grades a notebook, the grader runs each exercise cell,
#   with whatever it uses from your other cells (helper functions, imports, constants), on test
#   cases of its own. The check under the exercise uses the same judge: ✔ there means full marks.

# %%
# Setup: in Colab this installs the course library; Colab's own packages stay as they are.
import sys
if "google.colab" in sys.modules:
    # %pip install --quiet "adamcourse @ git+https://github.com/adamcourse/adamcourse"
from adamcourse import session
rng = session.start(seed=0)

# %%
import matplotlib.pyplot as plt
import numpy as np

from adamcourse import SGD, bowl, checks, plotting, rosenbrock, run

# %% [markdown]
# ## A loss landscape
#
# Training a model means choosing its parameters $\theta$ so that a *loss* $f(\theta)$, a number
# that says how wrong the model is, becomes small. With two parameters, $\theta = (x, y)$, the
# loss is a landscape: a height for every point of the plane, and training is walking downhill.
#
# Our first landscape is the simplest there is, a round bowl:
#
# $$f(x, y) = x^2 + y^2 .$$
#
# Its lowest point is $(0, 0)$. On the left, the bowl in 3-D; on the right, the same bowl seen
# from above as contour lines (lines of equal height), the view all later lessons use.

# %%
fig = plt.figure(figsize=(11, 4.5))
plotting.surface(bowl, ax=fig.add_subplot(1, 2, 1, projection="3d"))
plotting.contour(bowl, ax=fig.add_subplot(1, 2, 2))
plt.show()

# %% [markdown]
# ## The gradient points uphill
#
# The **gradient** $\nabla f$ collects the partial derivatives, one per parameter:
#
# $$\nabla f(x, y) = \begin{pmatrix} \partial f / \partial x \\ \partial f / \partial y \end{pmatrix}
#   = \begin{pmatrix} 2x \\ 2y \end{pmatrix}.$$
#
# It points in the direction in which $f$ grows fastest, and its length says how steep the slope
# is. Every objective in the course carries its exact gradient as `objective.grad`. At the point
# $(0.8, 0.6)$ the gradient is $(1.6, 1.2)$: straight away from the bottom, and steep.

# %% tags=["nbval-check-output"]
theta = np.array([0.8, 0.6])
print("f(theta)    =", round(float(bowl.f(theta)), 4))
print("grad(theta) =", bowl.grad(theta).round(4))

# %% [markdown]
# ## Gradient descent: one step downhill
#
# If the gradient points uphill, minus the gradient points downhill. Gradient descent takes a
# small step that way, again and again:
#
# $$\theta \leftarrow \theta - \eta \, \nabla f(\theta)$$
#
# The **learning rate** $\eta$ (`lr` in code, *alpha* in the Adam paper) sets how far each step
# goes. Everything in this course, Adam included, is a variation on this one line: the variations
# change *which direction* and *how far*.
#
# ### Exercise 1: a gradient-descent step
#
# Complete `gradient_step(theta, grad, lr)`: it gets the current parameters and the gradient
# there (NumPy arrays of the same shape) and returns the new parameters. Return a new array; do
# not change `theta` in place.

# %% nbgrader={"grade": false, "grade_id": "ex00_gradient_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gradient_step(theta, grad, lr):
    """One step of gradient descent with learning rate lr; returns the new parameters."""
    # BEGIN SOLUTION
    return theta - lr * grad
    # END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex00_gradient_step_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
checks.check_gradient_step(gradient_step)

# %% [markdown]
# ### Twenty steps on the bowl
#
# The library's `SGD` optimizer does exactly this step. `run(optimizer, objective, steps=...)`
# takes the steps from the objective's start point (for the bowl, the point $(0.8, 0.6)$ from above)
# and returns a *trajectory*: every point visited and the loss there. On the bowl each step multiplies $\theta$ by $1 - 2\eta$, since
# $\theta - \eta \cdot 2\theta = (1 - 2\eta)\,\theta$. With $\eta = 0.1$ every step keeps 80% of
# the distance to the bottom. Watch the dots get closer together as the slope flattens.

# %%
trajectory = run(SGD(lr=0.1), bowl, steps=20)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
plotting.contour(bowl, trajectory, ax=ax1)
plotting.loss_curves(trajectory, ax=ax2)
plt.show()

# %% [markdown]
# Notice: the distance to the minimum shrinks by the same factor, 0.8, at every step, so after
# 20 steps it is $0.8^{20} \approx 0.0115$ of what it was, and the loss (a squared distance) has
# fallen by $0.8^{40}$.

# %% tags=["nbval-check-output"]
distances = np.linalg.norm(trajectory.points, axis=1)
print("distance ratio per step:", np.round(distances[1:4] / distances[:3], 4))
print("start loss:", round(trajectory.losses[0], 4), "| loss after 20 steps:", f"{trajectory.final_loss:.3e}")

# %% [markdown]
# ## Checking a gradient by finite differences
#
# Every optimizer trusts the gradient it is given. A wrong gradient (a sign slip, a missing
# factor 2) does not crash anything: training just goes badly and nobody knows why. So before
# trusting a hand-written gradient, compare it with a numerical estimate.
#
# Nudge one coordinate $\theta_i$ by a small $h$ both ways and measure how much $f$ changes:
#
# $$\frac{\partial f}{\partial \theta_i} \approx \frac{f(\theta + h e_i) - f(\theta - h e_i)}{2h}$$
#
# where $e_i$ is the vector with a 1 in place $i$ and zeros elsewhere. This *central* difference is
# far more accurate than the one-sided $(f(\theta + h e_i) - f(\theta)) / h$: its error shrinks like
# $h^2$ instead of $h$.
#
# ### Exercise 2: a numerical gradient
#
# Complete `numerical_gradient(f, theta, h)`: for each coordinate `i`, build a vector `step`
# that is zero everywhere except for `h` in coordinate `i`, and fill `grad[i]` with the central
# difference. `f` takes a NumPy array and returns a number.

# %% nbgrader={"grade": false, "grade_id": "ex00_numerical_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
def numerical_gradient(f, theta, h=1e-5):
    """The central-difference estimate of the gradient of f at theta."""
    grad = np.zeros_like(theta, dtype=float)
    # BEGIN SOLUTION
    for i in range(theta.size):
        step = np.zeros_like(theta, dtype=float)
        step[i] = h
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * h)
    # END SOLUTION
    return grad


# %% nbgrader={"grade": true, "grade_id": "ex00_numerical_gradient_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_numerical_gradient(numerical_gradient)

# %% [markdown]
# ### Are the course's gradients right?
#
# Now use a numerical gradient to test the exact gradients of two landscapes, the bowl and the
# curved Rosenbrock valley you will meet again from lesson 03 on. (This cell uses the course's
# reference version of the exercise, so it runs whether or not you have solved it.)

# %% tags=["nbval-check-output"]
estimate = checks.reference("numerical_gradient")
for objective in (bowl, rosenbrock):
    point = np.array([-0.7, 1.3])
    exact, numeric = objective.grad(point), estimate(objective, point, h=1e-5)
    agree = np.allclose(exact, numeric, rtol=1e-6, atol=1e-6)
    print(f"{objective.name:<11} exact {exact.round(3)}  numerical {numeric.round(3)}  agree: {agree}")

# %% [markdown]
# The gradient is the only thing an optimizer learns about the landscape, so this check is worth
# the two lines it takes: the course checks every landscape's gradient this way.
#
# ## Summary
#
# * A loss landscape assigns a height to every choice of parameters; training walks downhill.
# * The gradient points uphill; gradient descent steps the other way: $\theta \leftarrow \theta - \eta\nabla f(\theta)$.
# * On the bowl every step shrinks the distance to the minimum by the same factor, $1 - 2\eta$.
# * Check hand-written gradients with central differences before trusting them.
#
# **Next: [01 · SGD](01_sgd.ipynb).** Real losses are averages over thousands of examples. Lesson 01
# estimates the gradient from a few of them at a time, and finds out what happens when the
# learning rate is too small, right, and too large.
