# %% [markdown]
# # 01 · SGD: gradients from a few examples at a time
#
# **Goal:** train a model on data with gradient descent, see why a *minibatch* gradient is the
# practical choice, and learn to read the learning rate: too small, right, too large.
#
# **Time:** about 30 minutes.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/adamcourse/adamcourse/blob/main/notebooks/01_sgd.ipynb)

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

from adamcourse import SGD, checks, linear_regression, plotting, run_minibatch

# %% [markdown]
# ## The problem: fit a line
#
# Here are 200 noisy points $(x_i, y_i)$ around a line. The model is $\hat y = w x + b$ with two
# parameters, $\theta = (w, b)$, and the loss is the mean squared error (with a factor ½ that
# makes the derivative tidy):
#
# $$L(w, b) = \frac{1}{n} \sum_{i=1}^{n} \tfrac12 \big(w x_i + b - y_i\big)^2 .$$
#
# A loss that is an **average over examples** is the normal case in machine learning, and it is
# what makes the "stochastic" in stochastic gradient descent possible.

# %%
problem = linear_regression()
x, y = problem.X[:, 0], problem.y
print(problem.description)
print("least-squares solution (w, b):", problem.solution.round(3))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
ax1.scatter(x, y, s=10, color="0.5")
xs = np.linspace(x.min(), x.max(), 2)
ax1.plot(xs, problem.solution[0] * xs + problem.solution[1], color="black", label="best line")
ax1.set(xlabel="x", ylabel="y", title="The data")
ax1.legend()
plotting.contour(problem.as_objective(), ax=ax2)
ax2.set(xlabel="w", ylabel="b", title="The loss over (w, b)")
plt.show()

# %% [markdown]
# ## The gradient of a minibatch
#
# Differentiate one term with the chain rule. With the residual $r_i = w x_i + b - y_i$
# (prediction minus target):
#
# $$\frac{\partial L}{\partial w} = \frac1n \sum_i r_i\, x_i, \qquad
#   \frac{\partial L}{\partial b} = \frac1n \sum_i r_i .$$
#
# The full gradient averages over all $n$ examples. **Stochastic gradient descent (SGD)** averages
# over a small random *minibatch* of $B$ examples instead: a noisy but unbiased estimate that
# costs $B/n$ of the work. One pass over the data in minibatches is an **epoch**.
#
# ### Exercise 1: the minibatch gradient
#
# Complete `minibatch_gradient(w, b, x, y)`. `w` and `b` are numbers, `x` and `y` are the arrays of
# one minibatch. Return the two partial derivatives as a pair `(dw, db)`.
#
# *Graded:* when your instructor grades this notebook, the grader runs each exercise cell, with
# whatever it uses from your other cells (helper functions, imports, constants), on test cases of
# its own. The check under each exercise uses the same judge, so a ✔ here means full marks there.

# %% nbgrader={"grade": false, "grade_id": "ex01_minibatch_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
def minibatch_gradient(w, b, x, y):
    """The gradient (dw, db) of the mean of 1/2 (w x + b - y)**2 over a minibatch."""
    # BEGIN SOLUTION
    residual = w * x + b - y
    return np.mean(residual * x), np.mean(residual)
    # END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex01_minibatch_gradient_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_minibatch_gradient(minibatch_gradient)

# %% [markdown]
# ## Full batch or minibatches?
#
# `problem.grad(theta, idx)` is the library's version of your function (for the examples at the
# indices `idx`), and `run_minibatch` trains with it: every epoch it shuffles the data and takes
# one step per minibatch. Give both methods the same budget, **5 epochs**, so each sees every
# example 5 times:
#
# * full batch ($B = 200$): 5 careful steps;
# * minibatches of $B = 10$: 100 noisy steps.

# %%
full = run_minibatch(SGD(lr=0.1), problem, epochs=5, batch_size=200, label="full batch, B=200")
mini = run_minibatch(SGD(lr=0.1), problem, epochs=5, batch_size=10, label="minibatch, B=10")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
plotting.contour(problem.as_objective(), full, mini, ax=ax1)
for trajectory, style in zip((full, mini), plotting.trajectory_styles(full, mini)):  # same look as on the left
    epochs = np.arange(trajectory.steps + 1) / (trajectory.steps / 5)
    ax2.semilogy(epochs, trajectory.losses, label=trajectory.label, **style)
ax2.set(xlabel="epochs (passes over the data)", ylabel="loss", title="Same work, different progress")
plotting.legend_below(ax2)
plt.show()

# %% [markdown]
# Notice: for the same work, the minibatch run is at the best possible loss while full batch is
# still far from it. Each noisy step is a little wrong, but 100 of them beat 5 exact ones *at this
# learning rate*. (On this small, well-behaved problem full batch could take much bigger steps:
# with the lr = 1.0 found below it also gets there in 5. Minibatches pay off when the data set is
# large and one exact gradient is expensive.)

# %% tags=["nbval-check-output"]
best = problem.loss(problem.solution)
for trajectory in (full, mini):
    print(f"{trajectory.label:<18} {trajectory.steps:>4} steps, final loss {trajectory.final_loss:.3f} (best possible {best:.3f})")

# %% [markdown]
# ## The learning rate: too small, right, too large
#
# Why does one learning rate work and another explode? Look at the simplest loss with a single
# parameter, $f(x) = \tfrac{c}{2} x^2$, whose *curvature* (second derivative) is $c$. Its gradient is
# $c\,x$, so one gradient-descent step gives
#
# $$x \leftarrow x - \eta\, c\, x = (1 - \eta c)\, x .$$
#
# Every step multiplies $x$ by the same **shrink factor** $1 - \eta c$. The step converges when this
# factor is between $-1$ and $1$; a negative factor means $x$ jumps to the other side each time.
#
# ### Exercise 2: the shrink factor
#
# Complete `shrink_factor(lr, curvature)`, returning the number one step multiplies $x$ by.

# %% nbgrader={"grade": false, "grade_id": "ex01_shrink_factor", "locked": false, "schema_version": 3, "solution": true, "task": false}
def shrink_factor(lr, curvature):
    """What one gradient step with learning rate lr multiplies x by on f(x) = curvature/2 * x**2."""
    # BEGIN SOLUTION
    return 1 - lr * curvature
    # END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex01_shrink_factor_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
checks.check_shrink_factor(shrink_factor)

# %% [markdown]
# Our line-fitting loss is a quadratic too, but in two dimensions it has two curvatures: one along
# each of its two principal directions (the axes of the contours above; here the two are almost
# equal, so the contours are nearly round). In linear
# algebra terms they are the eigenvalues of the second-derivative matrix
# $H = \frac1n \sum_i (x_i, 1)^\top (x_i, 1)$. The factor $|1 - \eta c|$ must stay below 1 for
# **both**, so the largest curvature sets the limit:
#
# $$\eta < \frac{2}{c_{\max}} .$$

# %% tags=["nbval-check-output"]
A = np.column_stack([x, np.ones_like(x)])
curvatures = np.linalg.eigvalsh(A.T @ A / len(x))
print("curvatures:", curvatures.round(3))
print("largest stable learning rate 2 / c_max =", round(2 / curvatures.max(), 3))
for lr in (0.05, 1.0, 2.5):
    factors = [checks.reference("shrink_factor")(lr, c) for c in curvatures]
    print(f"lr = {lr:<4}  shrink factors {np.round(factors, 3)}")

# %% [markdown]
# So: with $\eta = 0.05$ each step removes only 5% of the error (too small), $\eta = 1$ removes
# almost all of it (right), and $\eta = 2.5$ multiplies the error by about $-1.5$ each step: the
# run **diverges**. Here are all three, full batch, 50 steps each. The diverged run is drawn until
# it leaves the picture and marked with a cross.

# %%
runs = [run_minibatch(SGD(lr=lr), problem, epochs=50, batch_size=200) for lr in (0.05, 1.0, 2.5)]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
plotting.contour(problem.as_objective(), *runs, ax=ax1, legend=False)
plotting.loss_curves(*runs, ax=ax2, f_min=best, legend=False)
plotting.legend_below(fig)  # one legend for both panels
plt.show()

# %% tags=["nbval-check-output"]
for trajectory in runs:
    status = f"diverged at step {trajectory.diverged_at}" if trajectory.diverged_at else f"loss {trajectory.final_loss:.4g}"
    print(f"{trajectory.label:<12} after {trajectory.steps} steps: {status}")

# %% [markdown]
# A diverging run is not subtle: the loss grows by a constant factor per step until it overflows.
# When you see a loss curve shoot up, lower the learning rate first.
#
# ## Batch size and noise
#
# A minibatch gradient is an average of $B$ noisy terms, so its error shrinks like $1/\sqrt{B}$:
# four times the batch, half the noise. Let's measure it at the start point by drawing 500 random
# minibatches of each size.

# %% tags=["nbval-check-output"]
exact = problem.grad(problem.start)
for B in (1, 4, 16, 64):
    samples = np.array([problem.grad(problem.start, rng.choice(problem.n, B, replace=False)) for _ in range(500)])
    noise = np.sqrt(np.mean(np.sum((samples - exact) ** 2, axis=1)))
    print(f"B = {B:>2}: typical gradient error {noise:.1f}")

# %% [markdown]
# (The last one shrinks a little faster than $1/\sqrt{B}$ because 64 examples out of 200 is a sizable
# part of the whole data set.)
#
# The noise matters most near the minimum, where the true gradient is small: there the noise
# keeps kicking the parameters around, so SGD with a fixed learning rate never settles exactly.
# Small batches make fast early progress and a noisy end; large batches, the opposite.

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for B in (1, 10, 50, 200):
    trajectory = run_minibatch(SGD(lr=0.05), problem, epochs=10, batch_size=B)
    epochs = np.arange(trajectory.steps + 1) / (trajectory.steps / 10)
    ax.semilogy(epochs, trajectory.losses - best, label=f"B = {B}", linewidth=1)
ax.set(xlabel="epochs", ylabel="loss − best loss", title="SGD(lr=0.05): batch size and noise")
plotting.legend_below(ax)
plt.show()

# %% [markdown]
# ## Summary
#
# * SGD replaces the full gradient by the average over a random minibatch: noisy, unbiased, cheap.
#   For the same work it usually gets much further than full-batch gradient descent.
# * On a quadratic each step multiplies the error by $1 - \eta c$: tiny steps are slow, and beyond
#   $\eta = 2 / c_{\max}$ the run diverges. The steepest direction limits the learning rate for all.
# * Minibatch noise shrinks like $1/\sqrt{B}$. Small batches give many cheap steps, which pays off
  early; their noise keeps SGD from settling exactly at the minimum.
#
# **Next: [02 · Momentum](02_momentum.ipynb).** When the curvatures are very different, a learning
# rate small enough for the steep direction crawls along the shallow one, and SGD zig-zags.
# Momentum fixes that with a moving average, the first building block of Adam.
