# %% [markdown]
# # 03 · AdaGrad: a step size for every parameter
#
# **Goal:** give each parameter its own learning rate, scaled by the history of its gradients;
# see it win on rare features, and see why its steps shrink forever.
#
# **Time:** about 30 minutes.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/adamcourse/adamcourse/blob/main/notebooks/03_adagrad.ipynb)

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

from adamcourse import SGD, AdaGrad, checks, plotting, ravine, rosenbrock, run, run_minibatch, sparse_features

# %% [markdown]
# ## The idea
#
# In the ravine of lesson 02, the $y$ gradients are large and the $x$ gradients small, and one
# learning rate had to suit both. Momentum averaged the gradients over time. AdaGrad (Duchi,
# Hazan and Singer, 2011) instead **divides each parameter's gradient by the size of its own past
# gradients**:
#
# $$s \leftarrow s + g^2, \qquad \theta \leftarrow \theta - \frac{\eta}{\sqrt{s} + \epsilon}\, g$$
#
# Everything is element by element: each parameter has its own accumulator $s_i$, the running
# **sum** of its squared gradients. A parameter with big gradients gets a small step size
# $\eta / \sqrt{s_i}$, one with small gradients a big one. The tiny $\epsilon$ (say $10^{-8}$) only
# keeps the division finite while $s_i = 0$.
#
# On the very first step $s = g^2$, so the step is $\eta\, g / |g| = \eta\,\text{sign}(g)$: every
# parameter moves by the same amount $\eta$, however steep its slope. Remember that, Adam does the same.
#
# ### Exercise 1: an AdaGrad step
#
# Complete `adagrad_step(theta, grad, accum, lr, eps)`: add the squared gradient to the
# accumulator, then take the step with the **new** accumulator, with `eps` outside the square
# root. Return `(theta, accum)`. (The check uses unusually large values of `eps`, around 0.1, so
# that an `eps` in the wrong place shows up in the numbers.)
#
# *Graded:* when your instructor grades this notebook, the grader runs each exercise cell, with
# whatever it uses from your other cells (helper functions, imports, constants), on test cases of
# its own. The check under each exercise uses the same judge, so a ✔ here means full marks there.

# %% nbgrader={"grade": false, "grade_id": "ex03_adagrad_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def adagrad_step(theta, grad, accum, lr, eps):
    """One AdaGrad step (the update above); returns (theta, accum)."""
    # BEGIN SOLUTION
    accum = accum + grad**2
    theta = theta - lr * grad / (np.sqrt(accum) + eps)
    # END SOLUTION
    return theta, accum


# %% nbgrader={"grade": true, "grade_id": "ex03_adagrad_step_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_adagrad_step(adagrad_step)

# %% [markdown]
# ## The ravine, evened out
#
# The library's `AdaGrad` is your function (once your check shows ✔, you can read it with `AdaGrad??`). On the ravine it
# heads for the minimum without any zig-zag: dividing by $\sqrt{s}$ makes the big $y$ gradients and the
# small $x$ gradients about the same size. The right panel shows each parameter's step size
# $\eta / (\sqrt{s_i} + \epsilon)$ over time: $x$ (small gradients) gets much larger steps than $y$.

# %%
runs = [run(SGD(lr=0.45), ravine, steps=60), run(AdaGrad(lr=1.0), ravine, steps=60)]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
plotting.contour(ravine, *runs, ax=ax1)
plotting.effective_step_sizes(runs[1], ax=ax2)
plt.show()

# %% tags=["nbval-check-output"]
for trajectory in runs:
    below = np.flatnonzero(trajectory.losses < 1e-3)
    print(f"{trajectory.label:<14} loss below 0.001 after {below[0] if below.size else 'more than 60'} steps")

# %% [markdown]
# ## Where AdaGrad shines: rare features
#
# Per-parameter steps matter most when some parameters rarely see a gradient at all. In a text
# model, a rare word's weight gets a gradient only in the few examples that contain the word.
# Here is a small version: linear regression with binary features, a few *frequent* ones (on in
# half of the examples) and many *rare* ones (each on in only 5 of the 1000 examples). All true
# weights are 1.
#
# We make **one pass** over the data in minibatches of 10, as in online learning, so each rare
# weight sees a gradient in only about five steps. With SGD every weight gets the same step size,
# and it must stay small enough for the frequent features. With AdaGrad a rare weight's
# accumulator stays small, so when its gradient does show up it takes a big step.
#
# The measure is the **weight error**, the root-mean-square distance of the weights from the best
# ones (`problem.weight_error`). The loss would hide the problem: each rare feature touches 0.5%
# of the examples, so a wrong rare weight barely changes the average loss. Both optimizers use
# the learning rate that works best for them (found by trying 0.001, 0.003, ..., 3).

# %%
problem = sparse_features()
print(problem.description)
rare = problem.X.mean(axis=0) < 0.1  # which features are the rare ones
runs = [
    run_minibatch(SGD(lr=0.3), problem, epochs=1, batch_size=10),
    run_minibatch(AdaGrad(lr=1.0), problem, epochs=1, batch_size=10),
]
fig, ax = plt.subplots(figsize=(9, 3.8))
features = np.arange(problem.X.shape[1])
for shift, trajectory in zip((-0.2, 0.2), runs):
    ax.bar(features + shift, np.abs(trajectory.final_point - problem.solution), width=0.4,
           color=plotting.optimizer_color(trajectory.optimizer), label=trajectory.label)
ax.axvline(rare.argmax() - 0.5, color="black", linewidth=0.8, linestyle=":")
ax.set(xlabel="feature (frequent ones left of the dotted line, rare ones right)", ylabel="|weight − best weight|",
       title="Error per weight after one pass over the data")
ax.legend()
plt.show()

# %% [markdown]
# Notice the weight errors: SGD has learned the frequent weights but hardly moved the rare ones
# from their start at 0 (an error near 1 means "not learned at all"); AdaGrad has learned both.
# SGD cannot simply take a larger learning rate: the frequent features would make it diverge.

# %% tags=["nbval-check-output"]
for trajectory in runs:
    print(f"{trajectory.label:<16} weight error: all {problem.weight_error(trajectory.final_point):.2f}, "
          f"frequent {problem.weight_error(trajectory.final_point, ~rare):.2f}, "
          f"rare {problem.weight_error(trajectory.final_point, rare):.2f}")

# %% [markdown]
# ## Why AdaGrad's steps shrink forever
#
# The accumulator is a **sum**: it can only grow. After $T$ steps with gradients of typical size
# $|g|$, $s \approx T g^2$, so the step size is about
#
# $$\frac{\eta}{\sqrt{T}\,|g|}.$$
#
# It keeps falling like $1/\sqrt{T}$, whether or not the optimizer is anywhere near a minimum.
#
# ### Exercise 2: AdaGrad's step sizes
#
# Complete `adagrad_step_sizes(grads, lr, eps)`. `grads` holds a whole history of gradients, one
# row per step (shape `(steps, parameters)`). Return each parameter's step size after all of
# them: $\eta / (\sqrt{\sum_t g_t^2} + \epsilon)$, one number per parameter (sum over the steps,
# `axis=0`).

# %% nbgrader={"grade": false, "grade_id": "ex03_adagrad_step_sizes", "locked": false, "schema_version": 3, "solution": true, "task": false}
def adagrad_step_sizes(grads, lr, eps):
    """Per-parameter AdaGrad step sizes lr / (sqrt(sum of grads**2 over the steps) + eps)."""
    # BEGIN SOLUTION
    return lr / (np.sqrt(np.sum(grads**2, axis=0)) + eps)
    # END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex03_adagrad_step_sizes_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
checks.check_adagrad_step_sizes(adagrad_step_sizes)

# %% [markdown]
# With a gradient that stays exactly 1, the step size after $T$ steps is $\eta/\sqrt{T}$:

# %% tags=["nbval-check-output"]
step_sizes = checks.reference("adagrad_step_sizes")
for T in (1, 10, 100, 1000, 10000):
    print(f"after {T:>5} steps: step size {step_sizes(np.ones((T, 1)), 1.0, 1e-8)[0]:.4f}")

# %% [markdown]
# On a convex problem like the ones above that is harmless, even helpful: the steps shrink just
# as the minimum comes near. On a long winding path it is fatal. In Rosenbrock's curved valley
# the early steep walls fill the accumulator, and by the time AdaGrad is in the flat valley floor
# its steps are too small to follow it. On the right you can see it: the step sizes collapse in
# the first few steps, where the gradients are in the hundreds, and never recover, because
# nothing is ever subtracted from the accumulator.

# %%
stall = run(AdaGrad(lr=0.5), rosenbrock, steps=1000)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
plotting.contour(rosenbrock, stall, ax=ax1)
plotting.effective_step_sizes(stall, ax=ax2)
plt.show()

# %% tags=["nbval-check-output"]
for k in (10, 100, 1000):
    print(f"after {k:>4} steps: at {stall.points[k].round(2)}, loss {stall.losses[k]:.2f}")
print("the minimum is at (1, 1) with loss 0")

# %% [markdown]
# ## Summary
#
# * AdaGrad divides each gradient by the root of that parameter's summed squared gradients:
#   $s \leftarrow s + g^2$, $\theta \leftarrow \theta - \eta g / (\sqrt{s} + \epsilon)$.
# * Every parameter moves at its own pace: steep directions are slowed, shallow and rare ones
#   sped up. Its first step is $\eta\,\text{sign}(g)$ for every parameter.
# * It shines with sparse gradients, but the sum only grows, so its steps shrink like
#   $1/\sqrt{T}$ and long runs stall.
#
# **Next: [04 · RMSProp](04_rmsprop.ipynb).** Replace the sum with the exponential moving average
# from lesson 02, and the steps stop shrinking.
