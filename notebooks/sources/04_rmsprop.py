# %% [markdown]
# # 04 · RMSProp: the leaky average that fixes AdaGrad
#
# **Goal:** replace AdaGrad's ever-growing sum by an exponential moving average, compare the two
# side by side, and meet the bias of averages that start at zero (and its correction).
#
# **Time:** about 25 minutes.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/adamcourse/adamcourse/blob/main/notebooks/04_rmsprop.ipynb)

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

from adamcourse import AdaGrad, RMSProp, checks, debias, ema, plotting, ravine, rosenbrock, run, run_minibatch, sparse_features

# %% [markdown]
# ## The idea
#
# AdaGrad's accumulator remembers every gradient ever seen, so its steps can only shrink.
# RMSProp (Tieleman and Hinton, 2012, in a lecture, never a paper) keeps the per-parameter scaling
# but lets old gradients fade: the sum becomes the **exponential moving average** of lesson 02,
# applied to the squared gradients:
#
# $$v \leftarrow \beta\, v + (1 - \beta)\, g^2, \qquad \theta \leftarrow \theta - \frac{\eta}{\sqrt{v} + \epsilon}\, g$$
#
# $\sqrt{v}$ is the root of the mean square of recent gradients (hence the name: Root Mean Square
# propagation), a running estimate of their typical size. Dividing by it makes the step about
# $\eta$ in every direction, whatever the scale of the gradient, and because $v$ forgets, the
# step size recovers when gradients become small. The usual $\beta$ is 0.9 (Keras) or 0.99 (PyTorch).
#
# ### Exercise 1: an RMSProp step
#
# Complete `rmsprop_step(theta, grad, v, lr, beta, eps)`: update `v` with the moving average of
# `grad**2` (you may use the library's `ema`, or write it out), then step with the new `v`, with
# `eps` outside the square root. Return `(theta, v)`.
#
# *Graded:* when your instructor grades this notebook, the grader runs each exercise cell, with
# whatever it uses from your other cells (helper functions, imports, constants), on test cases of
# its own. The check under each exercise uses the same judge, so a ✔ here means full marks there.

# %% nbgrader={"grade": false, "grade_id": "ex04_rmsprop_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rmsprop_step(theta, grad, v, lr, beta, eps):
    """One RMSProp step (the update above); returns (theta, v)."""
    # BEGIN SOLUTION
    v = ema(v, grad**2, beta)
    theta = theta - lr * grad / (np.sqrt(v) + eps)
    # END SOLUTION
    return theta, v


# %% nbgrader={"grade": true, "grade_id": "ex04_rmsprop_step_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_rmsprop_step(rmsprop_step)

# %% [markdown]
# *Where does eps go?* This course, the PyTorch implementation and the Adam paper write
# $\sqrt{v} + \epsilon$. Keras' `RMSprop` writes $\sqrt{v + \epsilon}$. Both keep the division finite,
# but they give different numbers, which matters when you compare a hand-written optimizer with
# a framework. The library reproduces either: `RMSProp.like_keras()` puts eps inside.
#
# ## AdaGrad and RMSProp, side by side
#
# The same three problems as in lesson 03: the ravine, Rosenbrock's valley, and the sparse
# features.

# %%
ravine_runs = [run(AdaGrad(lr=1.0), ravine, steps=60), run(RMSProp(lr=0.1, beta=0.99), ravine, steps=60)]
rosen_runs = [run(AdaGrad(lr=0.5), rosenbrock, steps=1000), run(RMSProp(lr=0.01), rosenbrock, steps=1000)]

fig, axes = plt.subplots(2, 2, figsize=(11, 8.4))
plotting.contour(ravine, *ravine_runs, ax=axes[0, 0])
plotting.loss_curves(*ravine_runs, ax=axes[0, 1])
plotting.contour(rosenbrock, *rosen_runs, ax=axes[1, 0])
plotting.effective_step_sizes(*rosen_runs, ax=axes[1, 1], coordinate=0)
plt.show()

# %% [markdown]
# On Rosenbrock, AdaGrad's step sizes (bottom right, for $x$) only fall, while RMSProp's follow
# the gradients: they drop on the steep walls and grow again on the flat valley floor, so
# RMSProp keeps walking down the valley.
#
# On the ravine the two paths look almost the same (their final losses still differ), and that is
# no accident. While $t$ is much
# smaller than $1/(1-\beta) = 100$, almost nothing has faded yet, so $v \approx (1-\beta) \sum g^2$:
# RMSProp's step $\eta / \sqrt{v}$ is AdaGrad's step with the learning rate $\eta / \sqrt{1-\beta}$,
# here $0.1 / \sqrt{0.01} = 1.0$, exactly AdaGrad's. The two only part ways once old gradients
# start to fade, which is what happens on Rosenbrock's long path.

# %%
problem = sparse_features()
rare = problem.X.mean(axis=0) < 0.1
sparse_runs = [  # one pass, each at its best learning rate, as in lesson 03
    run_minibatch(AdaGrad(lr=1.0), problem, epochs=1, batch_size=10),
    run_minibatch(RMSProp(lr=0.1), problem, epochs=1, batch_size=10),
]

# %% [markdown]
# Notice the final numbers of the three races:

# %% tags=["nbval-check-output"]
print(f"{'problem':<26} {'AdaGrad':>10} {'RMSProp':>10}")
print(f"{'ravine (loss)':<26} {ravine_runs[0].final_loss:>10.1e} {ravine_runs[1].final_loss:>10.1e}")
print(f"{'rosenbrock (loss)':<26} {rosen_runs[0].final_loss:>10.3f} {rosen_runs[1].final_loss:>10.3f}")
errors = [problem.weight_error(r.final_point, rare) for r in sparse_runs]
print(f"{'sparse (rare weight error)':<26} {errors[0]:>10.2f} {errors[1]:>10.2f}")

# %% [markdown]
# On Rosenbrock, RMSProp wins clearly. On the rare features AdaGrad is better: its memory of
# every past gradient is exactly right when a weight gets only five gradients in a whole pass,
# while RMSProp's average forgets them. RMSProp still learns the rare weights far better than
# SGD did in lesson 03 (0.85 there). In deep learning, where training runs for many passes,
# not forgetting is the bigger problem, and RMSProp's trade is the better one.
#
# RMSProp has one small flaw left, and it is hidden in the first steps.
#
# ## The bias of an average that starts at zero
#
# $v$ starts at 0. After the first step, $v = (1-\beta) g^2$, only 1% of $g^2$ when $\beta = 0.99$.
# So the first step divides by $\sqrt{0.01 g^2} = 0.1|g|$ and is **ten times** too large. The
# shortfall is the factor $1 - \beta^t$: after $1/(1-\beta)$ steps $v$ is still about 37% too small,
# and only after about $3/(1-\beta)$ steps is it within 5%.
#
# Look again at lesson 02's picture, now with the averages corrected (solid) and not (dashed):

# %%
signal = 1 + 0.5 * rng.normal(size=100)
plotting.moving_averages(signal, betas=(0.9, 0.99), bias_correction="both")
plt.show()

# %% [markdown]
# The fix is exact. After $t$ steps the weights of an EMA started at zero add up to
# $(1-\beta)(1 + \beta + \dots + \beta^{t-1}) = 1 - \beta^t$ instead of 1. Dividing by that sum gives
# a proper weighted average, the **bias-corrected** estimate:
#
# $$\hat v_t = \frac{v_t}{1 - \beta^t}$$
#
# where $t$ counts the steps taken so far, starting at 1. For large $t$, $\beta^t \to 0$ and the
# correction fades away.
#
# ### Exercise 2: bias correction
#
# Complete `debias_average(average, beta, t)`. Use `**` for the power.

# %% nbgrader={"grade": false, "grade_id": "ex04_debias_average", "locked": false, "schema_version": 3, "solution": true, "task": false}
def debias_average(average, beta, t):
    """The bias-corrected value of an EMA that started at zero, after t steps."""
    # BEGIN SOLUTION
    return average / (1 - beta**t)
    # END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex04_debias_average_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
checks.check_debias_average(debias_average)

# %% [markdown]
# The library's version is `debias`. Here are the first few steps of RMSProp's $v$ for a gradient
# that is always 1, raw and corrected. Notice the first step size, $\eta/\sqrt{v}$ in units of $\eta$:
# 10 without correction, exactly 1 with it.

# %% tags=["nbval-check-output"]
beta, v = 0.99, 0.0
for t in range(1, 6):
    v = ema(v, 1.0**2, beta)
    v_hat = debias(v, beta, t)
    print(f"t = {t}: v = {v:.4f}, step size {1 / np.sqrt(v):5.2f} lr | corrected v_hat = {v_hat:.4f}, step size {1 / np.sqrt(v_hat):.2f} lr")

# %% [markdown]
# RMSProp itself has no bias correction (Keras and PyTorch follow the lecture), so its first
# steps are too large, as you just saw. The optimizer that adds the correction, and combines
# RMSProp with momentum, is the subject of the next lesson.
#
# ## Summary
#
# * RMSProp divides each gradient by the root of a **moving average** of its squares:
#   $v \leftarrow \beta v + (1-\beta) g^2$, $\theta \leftarrow \theta - \eta g / (\sqrt{v} + \epsilon)$.
# * Old gradients fade, so step sizes follow the recent gradient scale instead of shrinking
#   forever: most of AdaGrad's strengths without its stall (on very rare features, AdaGrad's
#   perfect memory still wins).
# * An average that starts at zero is too small by the factor $1 - \beta^t$ (still 5% after about
#   $3/(1-\beta)$ steps); dividing by $1 - \beta^t$ corrects it exactly.
#
# **Next: [05 · Adam](05_adam.ipynb).** Momentum's average of the gradients, RMSProp's average of
# their squares, both bias-corrected: that is Adam.
