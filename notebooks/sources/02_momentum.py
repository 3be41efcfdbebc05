# %% [markdown]
# # 02 · Momentum: averaging the gradients
#
# **Goal:** see why plain gradient descent zig-zags in a ravine, build the exponential moving
# average (the helper Adam reuses twice), and use it to give the optimizer momentum.
#
# **Time:** about 30 minutes.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/adamcourse/adamcourse/blob/main/notebooks/02_momentum.ipynb)

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

from adamcourse import SGD, Momentum, checks, ema, plotting, ravine, run

# %% [markdown]
# ## The ravine
#
# Lesson 01 ended with a warning: the steepest direction limits the learning rate for all
# directions. Here is a landscape where that hurts, a long narrow valley:
#
# $$f(x, y) = 0.1\,x^2 + 2\,y^2 .$$
#
# Across the valley ($y$) the curvature is 4; along it ($x$) only 0.2. Any learning rate above
# $2/4 = 0.5$ diverges across the valley, and at $\eta = 0.45$ the shrink factors from lesson 01 are
#
# * across: $1 - 0.45 \cdot 4 = -0.8$, a jump to the other wall at every step;
# * along: $1 - 0.45 \cdot 0.2 = 0.91$, a slow crawl towards the minimum.

# %%
sgd = run(SGD(lr=0.45), ravine, steps=40)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
plotting.contour(ravine, sgd, ax=ax1)
ax2.plot(sgd.points[:, 1], marker=".", label="y (across the valley)")
ax2.plot(sgd.points[:, 0], marker=".", label="x (along the valley)")
ax2.axhline(0, color="black", linewidth=0.6)
ax2.set(xlabel="step", ylabel="coordinate", title="SGD(lr=0.45): zig-zag across, crawl along")
ax2.legend()
plt.show()

# %% [markdown]
# The gradients across the valley flip sign every step, while the ones along it keep pointing
# the same way. If we **averaged the recent gradients**, the flip-flopping part would cancel and
# the consistent part would add up. That average is the whole idea of momentum.
#
# ## The exponential moving average
#
# An exponential moving average (EMA) keeps one number (or array), $a$, and mixes each new
# observation $x_t$ into it:
#
# $$a_t = \beta\, a_{t-1} + (1 - \beta)\, x_t .$$
#
# $\beta \in [0, 1)$ is the share of the old average that is kept. Unrolled, the observation from
# $k$ steps ago has the weight $(1-\beta)\beta^k$: old observations fade geometrically, and the
# average "remembers" roughly the last $1/(1-\beta)$ of them ($\beta = 0.9$: about 10 steps).
#
# ### Exercise 1: one step of an EMA
#
# Complete `ema_update(average, x, beta)` with the formula above. (It works for numbers and for
# NumPy arrays alike.)
#
# *Graded:* when your instructor grades this notebook, the grader runs each exercise cell, with
# whatever it uses from your other cells (helper functions, imports, constants), on test cases of
# its own. The check under each exercise uses the same judge, so a ✔ here means full marks there.

# %% nbgrader={"grade": false, "grade_id": "ex02_ema_update", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ema_update(average, x, beta):
    """One step of an exponential moving average (the formula above); returns the new average."""
    # BEGIN SOLUTION
    return beta * average + (1 - beta) * x
    # END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex02_ema_update_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
checks.check_ema_update(ema_update)

# %% [markdown]
# The library's version is called `ema`, with the same three arguments in the same order, and it
# is the same one line (once your check shows ✔, `ema??` in a new cell shows its source). Lessons
# 04 and 05 use it again.
#
# Here is what an EMA does to a noisy signal: observations around 1 (grey dots), averaged with
# three values of $\beta$. A larger $\beta$ is smoother but reacts later. All three start at 0,
# and with $\beta = 0.99$ the average is still far below 1 after 50 steps: remember that, it comes
# back in lesson 04 as *bias*.

# %%
signal = 1 + 0.5 * rng.normal(size=100)
plotting.moving_averages(signal, betas=(0.5, 0.9, 0.99))
plt.show()

# %% tags=["nbval-check-output"]
for beta in (0.5, 0.9, 0.99):
    weights = (1 - beta) * beta ** np.arange(200)
    print(f"beta = {beta}: newest weight {weights[0]:.2f}, memory about {1 / (1 - beta):.0f} steps, "
          f"weights of the last 50 steps sum to {weights[:50].sum():.3f}")

# %% [markdown]
# ## Momentum
#
# **Heavy-ball momentum** (Polyak, 1964) keeps a *velocity* $v$, a running sum of past steps that
# decays by $\beta$ each step:
#
# $$v \leftarrow \beta\, v - \eta\, g, \qquad \theta \leftarrow \theta + v .$$
#
# Unroll it and $v$ is $-\eta \sum_k \beta^k g_{t-k}$: up to the factor $\frac{\eta}{1-\beta}$,
# exactly an exponential moving average of the gradients. The flip-flopping components cancel; a
# component that keeps its sign builds up to $\frac{1}{1-\beta}$ times a plain step, like a ball
# gathering speed down a slope.
#
# ### Exercise 2: a momentum step
#
# Complete `momentum_step(theta, grad, velocity, lr, beta)` with the two lines above and return
# the new `(theta, velocity)`. Order matters: update the velocity first, then move by it.

# %% nbgrader={"grade": false, "grade_id": "ex02_momentum_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def momentum_step(theta, grad, velocity, lr, beta):
    """One heavy-ball momentum step (the two lines above); returns (theta, velocity)."""
    # BEGIN SOLUTION
    velocity = beta * velocity - lr * grad
    theta = theta + velocity
    # END SOLUTION
    return theta, velocity


# %% nbgrader={"grade": true, "grade_id": "ex02_momentum_step_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_momentum_step(momentum_step)

# %% [markdown]
# ## Nesterov: look before you leap
#
# Nesterov's variant applies the gradient as if the velocity had already carried us one step
# further: $\theta \leftarrow \theta + \beta v - \eta g$ (with the new $v$). Near the bottom of a wall
# this brakes earlier, which damps the overshoot. In the library both are the `Momentum` class:
# `Momentum(lr, beta)` and `Momentum(lr, beta, nesterov=True)`.
#
# ## Back to the ravine
#
# SGD keeps its learning rate of 0.45, close to the best it can use here. Momentum gets
# $\eta = 0.3$ and $\beta = 0.7$: with momentum the effective step along the valley is
# $\eta/(1-\beta) = 1$, so a smaller $\eta$ is enough (and Nesterov's look-ahead is unstable at
# 0.45 with this $\beta$; try it).

# %%
sgd = run(SGD(lr=0.45), ravine, steps=60)
runs = [
    sgd,
    run(Momentum(lr=0.3, beta=0.7), ravine, steps=60),
    run(Momentum(lr=0.3, beta=0.7, nesterov=True), ravine, steps=60),
]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
plotting.contour(ravine, *runs, ax=ax1, legend=False)
plotting.loss_curves(*runs, ax=ax2, legend=False)
plotting.legend_below(fig)  # one legend for both panels
plt.show()

# %% [markdown]
# Notice how many steps each needs to bring the loss below 0.001 (from about 10.5 at the start):

# %% tags=["nbval-check-output"]
for trajectory in runs:
    below = np.flatnonzero(trajectory.losses < 1e-3)
    print(f"{trajectory.label:<45} {below[0] if below.size else 'not within 60'} steps")

# %% [markdown]
# Momentum needs about half the steps of SGD, Nesterov less than a third. Too much of it is not better, though: with
# $\beta = 0.9$ the ball has so much inertia that it overshoots and circles the minimum (try
# `beta=0.9` and `beta=0.95` in the cell above). $\beta = 0.9$ is still the usual default in
# deep learning, where the noise of minibatch gradients makes the smoothing worth it.
#
# *A note on conventions:* PyTorch stores the velocity as a sum of raw gradients,
# $v \leftarrow \beta v + g$, $\theta \leftarrow \theta - \eta v$. While $\eta$ is constant it takes
# exactly the same steps. The library offers both (`Momentum.like_torch()`).
#
# ## Summary
#
# * With very different curvatures, one learning rate is too large for one direction and too
#   small for another: SGD zig-zags across a ravine and crawls along it.
# * The exponential moving average $a \leftarrow \beta a + (1 - \beta) x$ remembers about
#   $1/(1-\beta)$ steps. The library's `ema` is that line.
# * Momentum moves by a decaying sum of past gradients: oscillations cancel, consistent
#   directions accelerate. Nesterov's look-ahead damps the overshoot.
#
# **Next: [03 · AdaGrad](03_adagrad.ipynb).** Momentum fixes *which direction*. AdaGrad attacks the
# ravine from the other side: a separate step size for every parameter.
