# %% [markdown]
# # 05 · Adam: momentum + RMSProp + bias correction
#
# **Goal:** assemble Adam from the pieces of lessons 02 and 04, understand every line of it
# (including the small print: bias correction, epsilon, the libraries' defaults), and race it
# against the other four optimizers.
#
# **Time:** about 40 minutes.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/adamcourse/adamcourse/blob/main/notebooks/05_adam.ipynb)

# %%
# Setup: in Colab this installs the course library; Colab's own packages stay as they are.
import sys
if "google.colab" in sys.modules:
    # %pip install --quiet "adamcourse @ git+https://github.com/adamcourse/adamcourse"
from adamcourse import session
rng = session.start(seed=0)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

from adamcourse import SGD, AdaGrad, Adam, Momentum, RMSProp, checks, debias, ema, get_objective, plotting, run, torch_results

# %% [markdown]
# ## Adam in six lines
#
# Adam (Kingma and Ba, 2015; the name comes from *adaptive moment estimation*) keeps two
# exponential moving averages per parameter, bias-corrects both, and steps:
#
# | line | what it is | lesson |
# |---|---|---|
# | $t \leftarrow t + 1$ | count the steps, starting at 1 | 04 |
# | $m \leftarrow \beta_1 m + (1-\beta_1)\, g$ | momentum: the average gradient, *which way* | 02 |
# | $v \leftarrow \beta_2 v + (1-\beta_2)\, g^2$ | RMSProp: the average squared gradient, *how big* | 04 |
# | $\hat m = m / (1-\beta_1^t)$ | bias correction of $m$ | 04 |
# | $\hat v = v / (1-\beta_2^t)$ | bias correction of $v$ | 04 |
# | $\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$ | the step | 03, 04 |
#
# The defaults from the paper are $\eta = 0.001$, $\beta_1 = 0.9$, $\beta_2 = 0.999$,
# $\epsilon = 10^{-8}$. $\beta_1$ remembers about 10 steps of gradients, $\beta_2$ about 1000
# steps of squared gradients. The ratio $\hat m / \sqrt{\hat v}$ is about $\pm1$ when the gradient
# is consistent and smaller when it is noisy, so **each step moves a parameter by about $\eta$ at
# most**, whatever the scale of its gradient.
#
# ### Exercise 1: an Adam step
#
# Complete `adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)` and return
# `(theta, m, v, t)`: the new parameters, both new averages, and the new step count. `t` is the
# number of steps taken *before* this one (0 on the first call). You may use the helpers `ema`
# and `debias` from lessons 02 and 04, but not the library's `Adam` class (the check notices).
#
# *Graded:* when your instructor grades this notebook, the grader runs each exercise cell, with
# whatever it uses from your other cells (helper functions, imports, constants), on test cases of
# its own. The check under each exercise uses the same judge, so a ✔ here means full marks there.

# %% nbgrader={"grade": false, "grade_id": "ex05_adam_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    """One Adam step (Kingma & Ba, Algorithm 1). Returns (theta, m, v, t)."""
    # BEGIN SOLUTION
    t = t + 1
    m = ema(m, grad, beta1)
    v = ema(v, grad**2, beta2)
    m_hat = debias(m, beta1, t)
    v_hat = debias(v, beta2, t)
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    # END SOLUTION
    return theta, m, v, t


# %% nbgrader={"grade": true, "grade_id": "ex05_adam_step_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.check_adam_step(adam_step)

# %% [markdown]
# The library's `Adam` is the same six lines. Once your check shows ✔, compare: `Adam._update??`
# in a new cell shows its update for one array, straight from the installed source. The `else:`
# branch at the end is the paper's form, the one you wrote; `amsgrad` and `eps_hat` are two
# variants you will meet below. (`t` arrives already incremented: the shared `step` method does
# `t = state.t + 1` before calling `_update`.)
#
# ## Why bias correction?
#
# Both averages start at zero. Take a gradient that is always $g = 1$. Without correction, after
# the first step $m = 0.1$ and $v = 0.001$, so the step is $\eta \cdot 0.1 / \sqrt{0.001} \approx 3.2\,\eta$.
# Then it gets *worse*: $m$ catches up within about 10 steps, while $v$ needs about 1000, so
# around step 10 the uncorrected step is more than **six times** $\eta$, and it is still too large
# after 1000 steps. With correction, every step is exactly $\eta$ from the start.

# %%
beta1, beta2, steps = 0.9, 0.999, 3000
m = v = 0.0
raw, corrected = [], []
for t in range(1, steps + 1):
    m, v = ema(m, 1.0, beta1), ema(v, 1.0**2, beta2)
    raw.append(m / np.sqrt(v))
    corrected.append(debias(m, beta1, t) / np.sqrt(debias(v, beta2, t)))

fig, ax = plt.subplots(figsize=(7, 3.8))
ax.semilogx(range(1, steps + 1), raw, label="without bias correction", color=plotting.optimizer_color("RMSProp"))
ax.semilogx(range(1, steps + 1), corrected, label="with bias correction (Adam)", color=plotting.optimizer_color("Adam"))
ax.set(xlabel="step t", ylabel="step size / lr", title="Adam's step for a constant gradient g = 1")
ax.legend()
plt.show()

# %% tags=["nbval-check-output"]
for t in (1, 10, 100, 1000):
    print(f"t = {t:>4}: step without correction {raw[t - 1]:.2f} lr, with correction {corrected[t - 1]:.2f} lr")

# %% [markdown]
# Without correction, the first steps are biased by how the averages were *initialised*, not by
# the landscape. The closer $\beta_2$ is to 1, the longer the distortion lasts. Bias correction
# removes it for free.
#
# ## Adam's first step is $\eta \cdot \text{sign}(g)$
#
# At $t = 1$: $\hat m = g$ and $\hat v = g^2$, so the step is $\eta\, g / (|g| + \epsilon)$. Every
# parameter moves by exactly $\eta$ (up to $\epsilon$), against the sign of its gradient, however
# steep or flat its slope. Check it on three landscapes whose gradients at the start differ by
# two orders of magnitude:

# %% tags=["nbval-check-output"]
for name in ("bowl", "rosenbrock", "beale"):
    first = run(Adam(lr=0.1), name, steps=1)
    gradient = first.states[0].m / (1 - 0.9)  # m after one step is (1 - beta1) * g
    step = first.points[1] - first.points[0]
    print(f"{name:<11} gradient {np.array2string(gradient, precision=1):<18} step / lr = {np.round(step / 0.1, 6)}")

# %% [markdown]
# This is the same as AdaGrad's first step (lesson 03), and it is also a test that every Adam
# implementation, Keras' included, passes.
#
# ## The one-neuron example
#
# A classic first demonstration of Adam fits one sigmoid neuron, $\hat y = \sigma(w x + b)$, to two
# points, $(0.5, 0.2)$ and $(2.5, 0.9)$, by squared error. Starting from $(w, b) = (-4, -4)$ the
# neuron is saturated: its output is almost 0 for both inputs, and the gradients are tiny. The
# landscape there is a **plateau**.
#
# First, the classic settings: learning rate 0.01, and for Adam $\beta_1 = 0.9$, $\beta_2 = 0.99$,
# 100 steps for every optimizer.

# %% tags=["nbval-check-output"]
classic = [
    run(SGD(lr=0.01), "sigmoid_neuron", steps=100, label="SGD(lr=0.01)"),
    run(Momentum(lr=0.01, beta=0.9), "sigmoid_neuron", steps=100, label="Momentum(lr=0.01, beta=0.9)"),
    run(AdaGrad(lr=0.01), "sigmoid_neuron", steps=100, label="AdaGrad(lr=0.01)"),
    run(RMSProp(lr=0.01, beta=0.99), "sigmoid_neuron", steps=100),
    run(Adam(lr=0.01, beta1=0.9, beta2=0.99), "sigmoid_neuron", steps=100, label="Adam(lr=0.01, beta1=0.9, beta2=0.99)"),
]
print(f"start loss {classic[0].losses[0]:.3f}")
for trajectory in classic:
    print(f"{trajectory.label:<38} loss after 100 steps {trajectory.final_loss:.3f}, (w, b) = {trajectory.final_point.round(2)}")

# %% [markdown]
# Nobody reaches the minimum in 100 steps at $\eta = 0.01$. SGD and momentum have not moved at
# all: their steps are $\eta$ times a gradient smaller than $10^{-3}$. Adam takes steps of about
# $\eta$ whatever the gradient, so after 100 steps it has moved about 1 in each coordinate. AdaGrad
# also starts with steps of $\eta$, but they shrink like $1/\sqrt{t}$ (lesson 03), so it moved only
# 0.2. RMSProp moved furthest, for a reason you know from lesson 04: without bias correction its
# first steps are up to 10 times $\eta$.
#
# Adaptive methods are **invariant to the scale of the gradient**: a plateau does not slow them
# down. Now give every optimizer a learning rate that suits it and 300 steps. SGD needs
# $\eta = 20$, two hundred times more than Adam, to cross the plateau in time.

# %%
tuned = [
    run(SGD(lr=20.0), "sigmoid_neuron", steps=300),
    run(Momentum(lr=4.0, beta=0.8), "sigmoid_neuron", steps=300),
    run(AdaGrad(lr=1.0), "sigmoid_neuron", steps=300),
    run(RMSProp(lr=0.1, beta=0.99), "sigmoid_neuron", steps=300),
    run(Adam(lr=0.1, beta2=0.99), "sigmoid_neuron", steps=300),
]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
plotting.contour("sigmoid_neuron", *tuned, ax=ax1, legend=False)
plotting.loss_curves(*tuned, ax=ax2, legend=False)
plotting.legend_below(fig)  # one legend for both panels
plt.show()

# %% tags=["nbval-check-output"]
for trajectory in tuned:
    # below 1e-8 the exact digits depend on the machine's rounding, and nobody needs them
    loss = "below 1e-8" if trajectory.final_loss < 1e-8 else f"{trajectory.final_loss:.1e}"
    print(f"{trajectory.label:<30} loss after 300 steps: {loss}")

# %% [markdown]
# ## The small print: epsilon, "epsilon hat" and the libraries' defaults
#
# The Adam paper has a second, cheaper way to write the step (just before its section 2.1): fold
# both bias corrections into the learning rate,
#
# $$\eta_t = \eta\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}, \qquad
#   \theta \leftarrow \theta - \eta_t\, \frac{m}{\sqrt{v} + \hat\epsilon} .$$
#
# Its $\hat\epsilon$, **"epsilon hat"**, is added to the *uncorrected* $\sqrt v$. The two forms are equal
# when $\hat\epsilon = \epsilon\sqrt{1-\beta_2^t}$; for the same number they differ slightly, and
# only while $\sqrt{v}$ is as small as $\epsilon$. Keras (and TensorFlow before it) uses this form.
#
# ### Exercise 2: Keras' step size
#
# Complete `keras_step_size(lr, beta1, beta2, t)`, returning $\eta_t$ above.

# %% nbgrader={"grade": false, "grade_id": "ex05_keras_step_size", "locked": false, "schema_version": 3, "solution": true, "task": false}
def keras_step_size(lr, beta1, beta2, t):
    """Adam's step size with both bias corrections folded into lr (eta_t above)."""
    # BEGIN SOLUTION
    return lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    # END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex05_keras_step_size_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
checks.check_keras_step_size(keras_step_size)

# %% [markdown]
# ### The defaults, read from the installed libraries
#
# Articles about Adam often print a table of defaults, and they go out of date: Jason Brownlee's
# widely read [*Gentle Introduction to the Adam Optimization Algorithm for Deep
# Learning*](https://machinelearningmastery.com/adam-optimization-algorithm-for-deep-learning/)
# (Machine Learning Mastery, 2017) gives Keras' epsilon as 1e-08, and many copies of its table
# still do. This one is generated from the libraries installed right now, by reading the
# signatures of their Adam classes. Notice Keras' epsilon: **1e-07**, and it is an epsilon *hat*.
# Keras before version 2.2 and the old TensorFlow 1 API (`tf.compat.v1.train.AdamOptimizer`)
# used 1e-08, which is what those tables show.

# %%
# Import the libraries whose defaults we read (either may be missing where you run this).
try:
    import keras
    import tensorflow as tf
except ImportError:
    keras = tf = None
try:
    import torch
except ImportError:
    torch = None

# %%
def defaults(signature, *names):
    parameters = inspect.signature(signature).parameters
    return [parameters[name].default for name in names]


rows = [("adamcourse Adam (the paper)", *defaults(Adam, "lr", "beta1", "beta2", "eps"), "epsilon")]
if keras is not None:
    rows.append((f"Keras {keras.__version__}", *defaults(keras.optimizers.Adam, "learning_rate", "beta_1", "beta_2", "epsilon"), "epsilon hat"))
    rows.append(("TensorFlow 1 API (tf.compat.v1)", *defaults(tf.compat.v1.train.AdamOptimizer, "learning_rate", "beta1", "beta2", "epsilon"), "epsilon hat"))
if torch is not None:
    lr, betas, eps = defaults(torch.optim.Adam, "lr", "betas", "eps")
    rows.append((f"PyTorch {torch.__version__.split('+')[0]}", lr, *betas, eps, "epsilon"))

print(f"{'library':<32} {'lr':>6} {'beta1':>6} {'beta2':>6} {'eps':>7}  eps means")
for name, lr, b1, b2, eps, kind in rows:
    print(f"{name:<32} {lr:>6g} {b1:>6g} {b2:>6g} {eps:>7g}  {kind}")

# %% [markdown]
# (The version numbers are whatever is installed where you run this; the defaults have been
# stable for years. The two numbers that matter:)

# %% tags=["nbval-check-output"]
paper_eps = defaults(Adam, "eps")[0]
print(f"the paper's epsilon: {paper_eps:g}")
if keras is not None:
    print(f"Keras' epsilon:      {defaults(keras.optimizers.Adam, 'epsilon')[0]:g}  (Brownlee's table says 1e-08)")

# %% [markdown]
#
# So Keras' defaults differ from the paper's in two ways: $\hat\epsilon = 10^{-7}$ instead of
# $\epsilon = 10^{-8}$, and it is added in the other place. In practice the difference is tiny
# unless gradients are very small. When you compare a hand-written optimizer with a framework,
# though, it is exactly the kind of detail that makes the numbers disagree. The library can
# reproduce either: `Adam.like_keras()` and `Adam.like_torch()`. Here is the course's Adam against
# PyTorch's, 50 steps on Rosenbrock:

# %%
ours = run(Adam.like_torch(lr=0.05), "rosenbrock", steps=50).points[-1]
if torch is not None:
    rosen = get_objective("rosenbrock")
    p = torch.tensor(rosen.start, requires_grad=True)
    optimizer = torch.optim.Adam([p], lr=0.05)
    for _ in range(50):
        optimizer.zero_grad()
        p.grad = torch.tensor(rosen.grad(p.detach().numpy()))
        optimizer.step()
    theirs = p.detach().numpy()
    print(f"torch.optim.Adam (PyTorch {torch.__version__.split('+')[0]}) ends at {theirs}")
else:
    # PyTorch is heavy to install; the course ships the numbers it computed for this very run.
    theirs, version = torch_results.lesson05_adam_on_rosenbrock()
    print(f"PyTorch is not installed here, so these are its stored results (computed with PyTorch {version}):")
    print(f"torch.optim.Adam ends at {np.array(theirs)}")
print(f"the course's Adam ends at {ours}")

# %% tags=["nbval-check-output"]
print("course Adam and torch.optim.Adam agree to 1e-10:", np.allclose(ours, theirs, rtol=0, atol=1e-10))

# %% [markdown]
# ## All five optimizers on the same landscapes
#
# A fair race gives every optimizer the learning rate that suits it best. So first a sweep: each
# optimizer, with the library's default settings except the learning rate (the paper's for Adam,
# $\beta = 0.9$ for momentum), runs 500 steps at every learning rate of a 1-2-5 grid from 0.0001
# to 2, on four landscapes:
#
# * the **ravine** of lessons 02 to 04;
# * **Rosenbrock's** curved valley;
# * **Beale's** function: flat plateaus and steep ridges, gradients from $10^{-3}$ to $10^{5}$;
# * a **saddle**: starting almost exactly on the ridge, where the gradient that leads away is tiny.
#
# A run counts as arrived at the step from which its loss *stays* within 0.01 of the minimum
# (flying past the minimum does not count). `lr_sweep` runs one optimizer over the grid; the
# picture shows, for each learning rate, how many steps it took (lower is faster). A cross means
# the run blew up, an open circle that it never settled; the ring marks the fastest learning rate.

# %%
from adamcourse.running import lr_sweep

learning_rates = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
optimizers = dict(SGD=SGD, Momentum=Momentum, AdaGrad=AdaGrad, RMSProp=RMSProp, Adam=Adam)
sweeps = {
    name: [lr_sweep(make, name, learning_rates, steps=500, label=kind) for kind, make in optimizers.items()]
    for name in ("ravine", "rosenbrock", "beale", "saddle")
}
fig, axes = plt.subplots(2, 2, figsize=(11, 8.4), dpi=80)  # a lower resolution keeps the notebook small
for ax, (name, row) in zip(axes.flat, sweeps.items()):
    plotting.sweep_curves(*row, ax=ax)
plotting.legend_below(fig)
plt.show()

# %% [markdown]
# Each optimizer's fastest learning rate and its number of steps, and how many of the 14
# learning rates settled at all ("—": none did):

# %% tags=["nbval-check-output"]
print(f"{'landscape':<11}" + "".join(f"{kind:>15}" for kind in optimizers))
for name, row in sweeps.items():
    print(f"{name:<11}" + "".join(f"{f'{s.best_steps} at {s.best_lr:g}' if s.best_lr else '—':>15}" for s in row))
print("\nlearning rates that settle, of 14:")
for name, row in sweeps.items():
    print(f"{name:<11}" + "".join(f"{len(s.working_lrs):>15}" for s in row))
print("\none learning rate that settles on all four landscapes:")
for k, kind in enumerate(optimizers):
    everywhere = set.intersection(*(set(row[k].working_lrs) for row in sweeps.values()))
    print(f"{kind:<9} {', '.join(f'{lr:g}' for lr in sorted(everywhere)) or 'none'}")

# %% [markdown]
# Tuned like this, there is no single winner on these small landscapes, and that is the honest
# lesson:
#
# * **AdaGrad** is fastest on the ravine and the saddle, and ties with Adam on Beale: their
#   scales are fixed and lie along the axes, exactly what one step size per parameter fixes
#   (lesson 03).
# * **SGD** is fastest on Rosenbrock, but on a knife edge: 0.002 is the only learning rate of the
#   grid that settles; half of it is too slow, and 10% more already blows up (below). On Beale
#   SGD does settle, at lr = 0.01 or 0.02, but at 0.05 it blows up.
# * **Adam** wins no race outright, and it is never the one that fails: it has the widest range of
#   learning rates that work on every landscape (tied with momentum on the ravine), and it is the
#   only optimizer for which one learning rate settles on all four landscapes; any from 0.1 to 2
#   does.
#
# That robustness, more than speed, is why Adam became the default: on a real network you do not
# know the landscape in advance, and a learning rate that roughly says how far one step may move
# (Adam's $\eta$) carries over from one problem to the next.

# %% tags=["nbval-check-output"]
from adamcourse.running import steps_to_settle

for lr in (0.0016, 0.002, 0.0022):
    knife = run(SGD(lr=lr), "rosenbrock", steps=500)
    print(f"SGD(lr={lr}) on Rosenbrock:", f"diverged at step {knife.diverged_at}" if knife.diverged_at is not None
          else f"settles after {steps_to_settle(knife)} steps" if steps_to_settle(knife) is not None else "not within 500 steps")

# %% [markdown]
# Here is the race itself, every optimizer at its fastest learning rate from the sweep. AdaGrad
# and RMSProp sit out on Rosenbrock: none of their learning rates got there.

# %%
races = {
    name: [run(optimizers[s.label](lr=s.best_lr), name, steps=500, label=s.label) for s in row if s.best_lr is not None]
    for name, row in sweeps.items()
}
fig, axes = plt.subplots(2, 2, figsize=(11, 8.4), dpi=72)  # a lower resolution and 20 bands keep the notebook small
for ax, (name, trajectories) in zip(axes.flat, races.items()):
    plotting.contour(name, *trajectories, ax=ax, legend=False, levels=20)
plotting.legend_below(fig)
plt.show()

# %% [markdown]
# And the Rosenbrock race as an animation (press play):

# %%
from adamcourse import animation

animation.race("rosenbrock", *races["rosenbrock"], frames=20)

# %% [markdown]
# ## Explore
#
# Pick a landscape and optimizers, move the sliders, and watch the runs change. It opens on the
# one-neuron plateau from above, with one learning rate, 0.1, for all three: Adam crosses the
# plateau, SGD and momentum do not move. Now find where Adam *loses*, for example: the ravine at
# lr = 0.3, where plain SGD settles first; Rosenbrock at lr = 0.002, SGD's knife edge, where Adam
# has barely moved after 200 steps; the bowl at lr = 0.01, where momentum wins. (Opened without
# running, the notebook shows a still picture here; run it to move the sliders.)

# %%
from adamcourse import widgets

widgets.explorer("sigmoid_neuron", optimizers=("SGD", "Momentum", "Adam"), steps=200, lr=0.1)

# %% [markdown]
# ## Where Adam struggles
#
# ### It can converge to the wrong point: AMSGrad
#
# Reddi, Kale and Kumar (2018) built a simple problem on which Adam provably fails. One parameter
# $x \in [-1, 1]$; the gradient is $+3$ on every third step and $-1$ on the others. On average the
# gradient is $(3 - 1 - 1)/3 > 0$, so the best point is $x = -1$. But with a short memory for the
# squared gradient ($\beta_2 = 0.1$ here, an extreme choice that makes the effect quick), the rare
# large gradient inflates $\hat v$ exactly when it occurs and is divided away, while the frequent
# small ones are not: Adam drifts to $x = +1$.
#
# **AMSGrad** divides by the largest $v$ seen so far instead (bias-corrected with the current
# $t$, as PyTorch does), so a large gradient keeps
# damping later steps, and the drift disappears. In the library it is `Adam(amsgrad=True)` (Keras
# and PyTorch have the same option).

# %%
def online_run(optimizer, steps=600):
    x = np.array([0.0])
    state = optimizer.init(x)
    path = []
    for t in range(1, steps + 1):
        gradient = np.array([3.0 if t % 3 == 1 else -1.0])
        x, state = optimizer.step(x, gradient, state)
        x = np.clip(x, -1.0, 1.0)  # the problem lives on [-1, 1]
        path.append(x[0])
    return np.array(path)


fig, ax = plt.subplots(figsize=(7, 3.8))
for optimizer in (Adam(lr=0.1, beta1=0.0, beta2=0.1), Adam(lr=0.1, beta1=0.0, beta2=0.1, amsgrad=True)):
    ax.plot(online_run(optimizer), label=optimizer.label, color=plotting.optimizer_color(optimizer), linestyle="--" if optimizer.amsgrad else "-")
ax.axhline(-1, color="black", linewidth=0.8, linestyle=":", label="the best x")
ax.set(xlabel="step", ylabel="x", title="Reddi et al.'s counterexample")
ax.legend()
plt.show()

# %% tags=["nbval-check-output"]
for optimizer in (Adam(lr=0.1, beta1=0.0, beta2=0.1), Adam(lr=0.1, beta1=0.0, beta2=0.1, amsgrad=True)):
    print(f"{optimizer.label:<48} mean x over the last 300 steps: {online_run(optimizer)[-300:].mean():+.2f}")

# %% [markdown]
# With the usual $\beta_2 = 0.999$, Adam solves this problem too; in practice AMSGrad rarely
# changes much, but the example shows what $\hat v$ does and why its memory matters.
#
# ### Weight decay is not L2 regularisation in Adam: AdamW
#
# A common way to keep weights small is to add $\lambda\theta$ to the gradient (L2
# regularisation). In SGD that shrinks every weight by the same fraction per step. In Adam the
# added term is divided by $\sqrt{\hat v}$ like the rest of the gradient, so weights with large
# gradients are barely decayed at all. **AdamW** (Loshchilov and Hutter, 2019) *decouples* the
# decay: it shrinks the parameters directly, $\theta \leftarrow \theta(1 - \eta\lambda)$, then takes a
# normal Adam step. It is the default for training transformers. Lesson 07 asks you to write
# it: one line before the Adam step you wrote above.
#
# ## Summary
#
# * Adam = momentum's average of gradients ($m$) + RMSProp's average of squared gradients ($v$)
#   + bias correction of both; a step typically moves a parameter by at most about $\eta$ (up to
#   $\eta(1-\beta_1)/\sqrt{1-\beta_2} \approx 3\eta$ when a gradient appears after a long run of zeros).
# * Without bias correction the first hundreds of steps are distorted by the zero start;
#   Adam's first step is exactly $\eta\,\text{sign}(g)$.
# * Adaptive methods ignore the scale of the gradient: plateaus and mixed scales don't slow them,
#   and one kind of learning rate works across very different landscapes.
# * Read the small print: Keras uses an "epsilon hat" of 1e-7 in the folded form, PyTorch the
#   paper's 1e-8; AMSGrad and AdamW fix two known weaknesses.
#
# **Next: [06 · MNIST with Keras](06_mnist_keras.ipynb).** All five optimizers train a small
# convolutional network on handwritten digits, and the course's own Adam runs inside Keras.
