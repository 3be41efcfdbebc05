# %% [markdown]
# # 08 · What Adam costs: memory traffic, optimizer state and precision
#
# **Goal:** count the bytes one Adam step must move, time real implementations against that
# floor on your own machine, work out the memory Adam keeps for a model with a billion
# parameters, and see why frameworks keep the optimizer's numbers in float32. This is why
# PyTorch ships "foreach" and "fused" optimizers, and why big models are trained with
# 8-bit or factored optimizer states.
#
# **Time:** about 35 minutes.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/adamcourse/adamcourse/blob/main/notebooks/08_what_adam_costs.ipynb)

# %%
# Setup: in Colab this installs the course library; Colab's own packages stay as they are.
import sys
if "google.colab" in sys.modules:
    # %pip install --quiet "adamcourse @ git+https://github.com/adamcourse/adamcourse"
from adamcourse import session
rng = session.start(seed=0)

# %%
import time
import tracemalloc

import matplotlib.pyplot as plt
import numpy as np

from adamcourse import SGD, Adam, Momentum, checks, fastpath, finale

# %% [markdown]
# ## 1. What one step must move
#
# Here is Adam's step from lesson 05 again, with the arrays each line reads and writes. Every
# array holds one number per parameter.
#
# | line | reads | writes |
# |---|---|---|
# | $m \leftarrow \beta_1 m + (1-\beta_1)\, g$ | $m$, $g$ | $m$ |
# | $v \leftarrow \beta_2 v + (1-\beta_2)\, g^2$ | $v$, $g$ | $v$ |
# | $\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$ with $\hat m = m/(1-\beta_1^t)$, $\hat v = v/(1-\beta_2^t)$ | $\theta$, $m$, $v$ | $\theta$ |
#
# However it is written, a step has to bring four arrays from memory into the processor,
# $\theta$, $g$, $m$ and $v$, and send three back, $\theta$, $m$ and $v$. That is **7 numbers of
# traffic per parameter, 28 bytes in float32**. The arithmetic on them is small: about a dozen
# multiplications, additions, one square root and one division per parameter.
#
# That imbalance decides the speed. A processor core does several billion such operations per
# second, many at once with its vector instructions; its memory delivers some tens of GB per
# second (the race below measures yours), a few billion float32 numbers. Adam does fewer than 0.5 operations per byte it
# moves, while a core needs several operations per byte to keep its arithmetic busy. So the
# arithmetic waits for memory: Adam is **memory-bound**, and a step cannot take less than
#
# $$\text{time} \;\ge\; \frac{\text{bytes moved}}{\text{memory bandwidth}}
#   = \frac{28\, n}{\text{bandwidth}} \quad \text{for } n \text{ float32 parameters,}$$
#
# the **memory floor**. An implementation is good when it is close to it, and the only way to be
# faster is to move fewer bytes.

# %% tags=["nbval-check-output"]
n = 1_000_000
itemsize = np.dtype("float32").itemsize
print(f"one float32 number: {itemsize} bytes")
print(f"one Adam step on {n:,} float32 parameters: (4 reads + 3 writes) x {n:,} x {itemsize} bytes = {7 * n * itemsize / 1e6:.0f} MB")

# %% [markdown]
# ### Exercise 1: the bytes of one step
#
# Every optimizer of the course has its own floor. Complete
# `bytes_per_step(optimizer, n, dtype)`: the bytes one step of `optimizer` must read and write
# at least, for `n` parameters stored as `dtype`. `optimizer` is one of `"SGD"`, `"Momentum"`,
# `"AdaGrad"`, `"RMSProp"` and `"Adam"`; `dtype` is `"float16"`, `"float32"` or `"float64"`.
# Count, as above, each array the step reads once and each array it writes once. Look back at
# the update rules of lessons 01 to 04 for what each optimizer keeps between steps.
# `np.dtype("float16").itemsize` is the size of one number in bytes.
#
# *Graded:* when your instructor grades this notebook, the grader runs each exercise cell, with
# whatever it uses from your other cells (helper functions, imports, constants), on test cases of
# its own. The check under each exercise uses the same judge, so a ✔ here means full marks there.

# %% nbgrader={"grade": false, "grade_id": "ex08_bytes_per_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bytes_per_step(optimizer, n, dtype):
    """The bytes one step of `optimizer` reads and writes, at least, for n parameters of type dtype."""
    # BEGIN SOLUTION
    read_written = {"SGD": (2, 1), "Momentum": (3, 2), "AdaGrad": (3, 2), "RMSProp": (3, 2), "Adam": (4, 3)}
    reads, writes = read_written[optimizer]
    return (reads + writes) * n * np.dtype(dtype).itemsize
    # END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex08_bytes_per_step_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
checks.check_bytes_per_step(bytes_per_step)

# %% [markdown]
# Adam's row, in the three sizes of number (the course's own count; the other optimizers' rows
# are what your function gives once its check shows ✔):

# %% tags=["nbval-check-output"]
count = checks.reference("bytes_per_step")
print(f"{'bytes per parameter':<20}" + "".join(f"{dtype:>9}" for dtype in ("float16", "float32", "float64")))
print(f"{'Adam':<20}" + "".join(f"{count('Adam', 1, dtype):>9}" for dtype in ("float16", "float32", "float64")))

# %% [markdown]
# ## 2. Where a NumPy step spends its memory
#
# Lesson 05's step, as most of us first write it:

# %%
def textbook_step(theta, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t = t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t

# %% [markdown]
# It is readable, and it is slow, for two reasons.
#
# * **Every operation is a trip through memory.** `beta1 * m` reads all of `m` and writes a new
#   array; `+` reads two arrays and writes a third; and so on: about 14 operations, each a
#   pass over whole arrays, where the floor is a single pass that moves 7 arrays. Once the arrays are larger than the processor's caches (a few MB), each trip goes
#   to main memory.
# * **Every result is a new array.** NumPy asks the operating system for fresh memory and the
#   processor fills it, page by page, step after step.
#
# Python's `tracemalloc` counts the memory NumPy allocates while a function runs. The most it
# holds at once during one step, measured in arrays the size of $\theta$:

# %%
def arrays_allocated(step, *args):
    """The most memory `step(*args)` holds at once while it runs, in arrays the size of args[0]."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        step(*args)
        return (tracemalloc.get_traced_memory()[1] - before) / args[0].nbytes
    finally:
        tracemalloc.stop()


theta = rng.standard_normal(n, dtype=np.float32)
grad = rng.standard_normal(n, dtype=np.float32)
m, v = np.zeros_like(theta), np.zeros_like(theta)

# %% tags=["nbval-check-output"]
print(f"the textbook step holds {arrays_allocated(textbook_step, theta, grad, m, v, 0):.0f} new arrays the size of theta at once")
print(f"it returns theta, m and v as {textbook_step(theta, grad, m, v, 0)[0].dtype}, like the arrays it was given")

# %% [markdown]
# Seven: the new $m$ and $v$, $\hat m$, $\hat v$ and three intermediate results of the last line.
#
# ### A silent upcast
#
# Now the same step with the hyperparameters from a learning-rate sweep. `np.logspace` gives
# NumPy numbers, `np.float64`, not Python floats:

# %% tags=["nbval-check-output"]
learning_rates = np.logspace(-3, -1, 3)
lr = learning_rates[0]
print(f"lr = {lr:g} is a {type(lr).__name__}")
upcast = textbook_step(theta, grad, m, v, 0, lr=lr)
print(f"the step now returns theta, m and v as {upcast[0].dtype}")

# %% [markdown]
# Since NumPy 2 (Colab has it), a NumPy `float64` number times a `float32` array is a `float64`
# array: the number's type wins, as when two arrays meet. (NumPy 1 looked at the number's value
# and kept float32.) Nothing warns you. Every array of the step is now twice as large, so every
# trip through memory moves twice the bytes, and the parameters, $m$ and $v$ that the step
# returns stay float64 for every later step. A Python `float(lr)`, or `np.float32(lr)`, keeps
# the step in float32. The same happens with a step size computed with NumPy, such as Keras'
# `lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)` of lesson 05: `np.sqrt` of a Python float is
# a `float64`.
#
# ### The library's two paths
#
# The course's `Adam` offers two ways to step. `opt.step(params, grads, state)` is the readable
# reference the lessons use: it leaves its inputs alone and returns new arrays (it keeps them in
# one allocation, and works through the arrays in blocks that stay in the cache).
# `opt.step_(params, grads, state)` is the fast path: the trailing underscore means *in place*,
# as in PyTorch's `p.add_()`: it overwrites `params` and the state's arrays and allocates
# nothing. Its `engine` is either `"numpy"` (ufuncs writing into reused buffers) or `"numba"`
# (one compiled loop, if the numba package is installed; Colab has it).

# %% tags=["nbval-check-output"]
opt = Adam()
state = opt.init(theta)
print(f"opt.step:  {arrays_allocated(opt.step, theta, grad, state):.0f} new arrays the size of theta (the new params, m and v)")
fast_theta, fast_state = theta.copy(), opt.init(theta)
most = 0.0
for engine in fastpath.available_engines():
    fast_state = opt.step_(fast_theta, grad, fast_state, engine=engine)  # a first step sets up the buffers
    most = max(most, arrays_allocated(lambda *args: opt.step_(*args, engine=engine), fast_theta, grad, fast_state))
print(f"opt.step_: {most:.0f} new arrays, with every engine installed here")

# %% [markdown]
# ### Exercise 2: an Adam step in place
#
# Write `adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch)`, Adam's step **in
# place**: it overwrites `theta`, `m` and `v` with their new values and returns the new step
# count `t` (an int cannot be changed in place). It must not change `grad`. `scratch` is an
# array like `theta` for your intermediate results; what it holds when you start, and when you
# finish, does not matter. The goal: no new array at all.
#
# The tools:
#
# * `x *= 2`, `x += y` and `x -= y` change the array `x` in place. `x = 2 * x` does not:
#   inside your function it only points the name `x` at a new array, and the caller's array
#   stays as it was.
# * Every NumPy function of arrays (a *ufunc*) takes `out=`: `np.multiply(a, b, out=scratch)`
#   writes `a * b` into `scratch` instead of into a new array; `out` may be one of the inputs.
# * In place, the order of the lines matters: once `m` is overwritten, its old value is gone.
#
# The check runs your step on small arrays and compares `theta`, `m` and `v` *after* the call
# with the reference's. When the numbers are right, it also measures, with `tracemalloc`, what
# your step allocates on 100,000 parameters, and says so; the grade judges the numbers and what
# changed in place.

# %% nbgrader={"grade": false, "grade_id": "ex08_adam_step_", "locked": false, "schema_version": 3, "solution": true, "task": false}
def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
    """One Adam step in place: theta, m and v are overwritten, scratch is working space.
    Returns the new t."""
    # BEGIN SOLUTION
    t = t + 1
    m *= beta1
    np.multiply(grad, 1 - beta1, out=scratch)
    m += scratch
    v *= beta2
    np.square(grad, out=scratch)
    scratch *= 1 - beta2
    v += scratch
    np.divide(v, 1 - beta2**t, out=scratch)
    np.sqrt(scratch, out=scratch)
    scratch += eps
    np.divide(m, scratch, out=scratch)
    scratch *= lr / (1 - beta1**t)
    theta -= scratch
    return t
    # END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex08_adam_step__check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.check_adam_step_(adam_step_)

# %% [markdown]
# An in-place step with no temporaries still walks through memory once per line: about 13 trips
# over the arrays, each of which comes from main memory again when they do not fit in the cache.
# The library's NumPy engine does the same operations on **blocks** of 256 KiB (65,536 float32
# numbers) at a time: while one block is worked on, its pieces of $\theta$, $g$, $m$, $v$ and two
# scratch blocks stay in the processor's cache, so each number comes from memory once per step.
# The numba engine goes one step further, as PyTorch's *fused* optimizers do: one loop computes
# the whole update of a parameter in the processor's registers, so nothing but the 7 numbers
# ever travels.
#
# ## 3. The race against the floor
#
# Time to measure. First the floor: `np.add(a, b, out=a)` reads two arrays and writes one, 12
# bytes per float32 number and almost no arithmetic, so its speed *is* the machine's memory
# bandwidth. Then every way of taking a step, on 10 million float32 parameters (40 MB per
# array, more than the caches of most machines):
#
# * the textbook step, and the same with NumPy `float64` hyperparameters;
# * the library's reference `opt.step`;
# * an in-place step as in exercise 2 (the course's solution, whole arrays);
# * the fast path `opt.step_`, with each engine installed here;
# * PyTorch's `torch.optim.Adam` in its *foreach* form (one operation over all parameter
#   arrays at once) and its *fused* form (one compiled loop, like numba's), if PyTorch is
#   installed. PyTorch is told to use one processor core, like everything else here.
#
# The contenders take turns, one step each per round, so each finds its arrays pushed out of
# the cache by the others, as a training step finds them after the forward and backward passes.
# Each time is the fastest of the rounds, the one least disturbed by whatever else the machine
# was doing. The numbers are your machine's: they vary from run to run and between machines,
# so the notebook's own checks never compare them.

# %%
try:
    import torch

    torch.set_num_threads(1)  # one core, like NumPy and numba here
except ImportError:
    torch = None

quick = finale.mode() is finale.QUICK  # quick mode (ADAMCOURSE_QUICK=1) runs a smaller race
n_race, rounds = (1_000_000, 5) if quick else (10_000_000, 7)
start = rng.standard_normal(n_race, dtype=np.float32)
race_grad = rng.standard_normal(n_race, dtype=np.float32)


def textbook_contender(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    box = {"theta": start.copy(), "m": np.zeros_like(start), "v": np.zeros_like(start), "t": 0}

    def step():  # rebinding the arrays, as a training loop does
        box["theta"], box["m"], box["v"], box["t"] = textbook_step(
            box["theta"], race_grad, box["m"], box["v"], box["t"], lr, beta1, beta2, eps)
    return step, box


def reference_contender():
    box = {"theta": start.copy(), "state": opt.init(start)}

    def step():
        box["theta"], box["state"] = opt.step(box["theta"], race_grad, box["state"])
    return step, box


def in_place_contender():
    in_place = checks.reference("adam_step_")  # the course's solution of exercise 2
    box = {"theta": start.copy(), "m": np.zeros_like(start), "v": np.zeros_like(start), "t": 0}
    scratch = np.empty_like(start)

    def step():
        box["t"] = in_place(box["theta"], race_grad, box["m"], box["v"], box["t"], 0.001, 0.9, 0.999, 1e-8, scratch)
    return step, box


def fast_contender(engine):
    box = {"theta": start.copy(), "state": opt.init(start)}

    def step():
        box["state"] = opt.step_(box["theta"], race_grad, box["state"], engine=engine)
    return step, box


def torch_contender(**form):
    param = torch.nn.Parameter(torch.from_numpy(start.copy()))
    param.grad = torch.from_numpy(race_grad.copy())
    optimizer = torch.optim.Adam([param], lr=0.001, **form)
    return optimizer.step, {"param": param}


a, b = np.ones(n_race, dtype=np.float32), np.full(n_race, 1e-7, dtype=np.float32)
contenders = {
    "np.add(a, b, out=a)": (lambda: np.add(a, b, out=a), {}),
    "textbook, np.float64 hyperparameters": textbook_contender(*np.float64([0.001, 0.9, 0.999, 1e-8])),
    "textbook step (lesson 05)": textbook_contender(),
    "opt.step (the reference)": reference_contender(),
    "in place, whole arrays (exercise 2)": in_place_contender(),
}
for engine in fastpath.available_engines():
    contenders[f"opt.step_, engine='{engine}'"] = fast_contender(engine)
if torch is not None:
    for form in ("foreach", "fused"):
        try:
            contenders[f"torch.optim.Adam({form}=True)"] = torch_contender(**{form: True})
        except (RuntimeError, TypeError, ValueError) as error:  # an older PyTorch without a CPU fused Adam
            print(f"torch.optim.Adam({form}=True) is not available here: {error}")


def race(steps, rounds):
    """The fastest time of each step over the rounds, in seconds; the steps take turns, one call each per round."""
    for step in steps.values():  # two warm-up rounds: numba compiles its loop here
        step(), step()
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            begin = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - begin)
    return {name: min(seconds) for name, seconds in times.items()}


seconds = race({name: step for name, (step, _) in contenders.items()}, rounds)
bandwidth = 12 * n_race / seconds.pop("np.add(a, b, out=a)")  # bytes per second
floor = 28 * n_race / bandwidth
print(f"{n_race:,} float32 parameters, fastest of {rounds} rounds; memory bandwidth {bandwidth / 1e9:.1f} GB/s")
print(f"{'memory floor (28 bytes per parameter)':<40} {1e3 * floor:8.2f} ms")
for name, t in sorted(seconds.items(), key=lambda item: item[1]):
    print(f"{name:<40} {1e3 * t:8.2f} ms  {t / floor:5.1f} x the floor")

# %%
names = sorted(seconds, key=seconds.get, reverse=True)
families = {"lesson 05's step": "#999999", "the course's library": "#4878d0", "PyTorch": "#ee854a"}
family = ["lesson 05's step" if name.startswith("textbook") else "PyTorch" if name.startswith("torch")
          else "the course's library" for name in names]
fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(names) + 1.6))
bars = ax.barh(names, [1e3 * seconds[name] for name in names], color=[families[f] for f in family])
ax.axvline(1e3 * floor, color="black", linestyle="--", linewidth=1, label="memory floor")
for k, name in enumerate(names):
    ax.text(1e3 * seconds[name], k, f"  {seconds[name] / floor:.1f} x floor", va="center", fontsize=9)
handles = [plt.Rectangle((0, 0), 1, 1, color=color) for color in families.values()]
ax.legend([*handles, ax.lines[0]], [*families, "memory floor"], loc="upper right")
ax.set(xlabel="milliseconds per step (fastest of the rounds)", title=f"One Adam step on {n_race:,} float32 parameters")
ax.set_xlim(0, 1.25e3 * max(seconds.values()))
plt.show()

# %% [markdown]
# All of them compute the same step. After the race, each contender has taken the same number
# of steps from the same start:

# %% tags=["nbval-check-output"]
steps_taken = 2 + rounds  # two warm-up rounds, then the timed ones
reference_theta = contenders["opt.step (the reference)"][1]["theta"]
textbook_theta = contenders["textbook step (lesson 05)"][1]["theta"]
upcast_theta = contenders["textbook, np.float64 hyperparameters"][1]["theta"]
in_place_theta = contenders["in place, whole arrays (exercise 2)"][1]["theta"]
fast_thetas = [contenders[f"opt.step_, engine='{engine}'"][1]["theta"] for engine in fastpath.available_engines()]
print("every contender took the same number of steps:", contenders["opt.step (the reference)"][1]["state"].t == steps_taken)
print("textbook step and opt.step, bit for bit:", np.array_equal(textbook_theta, reference_theta))
print("opt.step_ and opt.step, bit for bit, with every engine:", all(np.array_equal(f, reference_theta) for f in fast_thetas))
print("in place (exercise 2) and opt.step, to float32 rounding:", np.allclose(in_place_theta, reference_theta, rtol=1e-6, atol=1e-6))
print(f"np.float64 hyperparameters: theta is {upcast_theta.dtype}, the others {reference_theta.dtype}")

# %%
if torch is not None:
    torch_thetas = [box["param"].detach().numpy() for name, (_, box) in contenders.items() if name.startswith("torch")]
    print("PyTorch and opt.step, to float32 rounding:",
          all(np.allclose(theirs, reference_theta, rtol=1e-5, atol=1e-6) for theirs in torch_thetas))
else:
    print("PyTorch is not installed here: no PyTorch in the race.")

# %% [markdown]
# What to look for in your numbers (on a shared 2-core machine they are noisy; run the race
# again to see how much):
#
# * the textbook step is many times the floor, and with `float64` hyperparameters about twice
#   as slow again, or worse;
# * writing in place removes the allocations, blocks keep the arrays in the cache, and one
#   fused loop per parameter (numba, PyTorch's fused Adam) comes close to the floor;
# * none of them beats the floor by much (the floor is the simplest loop there is; a fused step
#   can at best match it): to be faster still, move fewer bytes, as in the next section.
#
# This is why PyTorch has three implementations of each optimizer: a readable loop over the
# parameters, *foreach* (one operation for all parameter arrays at once, fewer Python calls),
# and *fused* (one compiled kernel, fewer trips through memory). On a GPU the same reasoning
# holds, with a memory bandwidth of several hundred GB/s to a few TB/s.
#
# ## 4. What Adam keeps: optimizer state
#
# Between steps, SGD keeps nothing but the parameters, momentum one extra array (the velocity),
# and Adam two ($m$ and $v$): **two extra numbers per parameter**. Here is what `init` builds for
# a small network, a 784 x 128 weight matrix and its bias:

# %% tags=["nbval-check-output"]
params = {"W": np.zeros((784, 128), dtype=np.float32), "b": np.zeros(128, dtype=np.float32)}
param_bytes = sum(p.nbytes for p in params.values())
for optimizer in (SGD(), Momentum(), Adam()):
    state = optimizer.init(params)
    arrays = [value for value in vars(state).values() if isinstance(value, dict)]
    state_bytes = sum(a.nbytes for slot in arrays for a in slot.values())
    print(f"{type(optimizer).__name__:<9} state: {state_bytes:>7,} bytes = {state_bytes / param_bytes:.0f} x the parameters")

# %% [markdown]
# While a network trains, each parameter also has a gradient. In **mixed-precision** training,
# the usual way to train big networks, the forward and backward passes use 16-bit numbers
# (float16 or bfloat16: half the memory and, on GPUs, much faster matrix products), while the
# optimizer keeps a float32 **master copy** of the weights and float32 $m$ and $v$. Why float32,
# section 5 shows. Per parameter:

# %% tags=["nbval-check-output"]
memory_per_parameter = {  # bytes: weights, gradient, optimizer state
    "SGD, float32": (4, 4, 0),
    "Momentum, float32": (4, 4, 4),
    "Adam, float32": (4, 4, 4 + 4),
    "Adam, mixed precision": (2, 2, 4 + 4 + 4),  # 16-bit weights and gradients; fp32 master copy, m, v
}
billion = 1_000_000_000
print(f"{'':<24}{'weights':>8}{'gradient':>9}{'state':>6}{'total':>6}   for 1 billion parameters")
for name, (weights, gradient, state) in memory_per_parameter.items():
    total = weights + gradient + state
    print(f"{name:<24}{weights:>8}{gradient:>9}{state:>6}{total:>6}   {total * billion / 1e9:>4.0f} GB")

# %% [markdown]
# **16 bytes per parameter** is the usual count for Adam in mixed precision (Rajbhandari et al.,
# 2020, the ZeRO paper, section 3.1), and 12 of them are the optimizer's. Mixed precision does not
# shrink the optimizer: it saves memory on the activations and time on the matrix products. A
# model with 7 billion parameters needs 112 GB for its weights, gradients and Adam's state
# alone, before a single activation is stored: more than the 80 GB of one large GPU. That is why
# the state gets sharded across GPUs (ZeRO), and why people look for optimizers that keep less.
#
# ### Reading: optimizers that keep less
#
# * **Adafactor** (Shazeer and Stern, 2018, *Adafactor: Adaptive Learning Rates with Sublinear
#   Memory Cost*, ICML). For a weight matrix of $r \times c$ numbers it keeps, instead of $v$, only
#   its $r$ row sums and $c$ column sums, and estimates each $v_{ij}$ from its row's and its
#   column's sum (a rank-one approximation); it also drops $m$. The state shrinks from
#   $2rc$ numbers to $r + c$. It trained the T5 language models.
# * **8-bit optimizers** (Dettmers, Lewis, Shleifer and Zettlemoyer, 2022, *8-bit Optimizers via
#   Block-wise Quantization*, ICLR). $m$ and $v$ are stored as 8-bit codes, with one float32 scale
#   per block of 2048 numbers so that a large value in one block does not blur the others: 2
#   bytes of state per parameter instead of 8, with the same results on the models they tried.
#   The `bitsandbytes` library implements them for PyTorch.
#
# For one 4096 x 4096 weight matrix, a typical size in a language model:

# %% tags=["nbval-check-output"]
rows = cols = 4096
numbers = rows * cols
print(f"{numbers:,} weights ({4 * numbers / 1e6:.0f} MB in float32)")
print(f"Adam, float32 m and v:               {2 * 4 * numbers / 1e6:>8.1f} MB")
print(f"8-bit Adam (+ one scale per 2048):   {(2 * numbers + 2 * 4 * numbers / 2048) / 1e6:>8.1f} MB")
print(f"Adafactor (row and column sums of v): {4 * (rows + cols) / 1e6:>8.3f} MB")

# %% [markdown]
# ## 5. Precision: why the optimizer's numbers stay in float32
#
# float16 stores a number in 2 bytes: 5 bits for the exponent, 10 for the digits. Two limits
# matter for Adam.
#
# **Small numbers vanish.** The smallest positive float16 is about $6 \times 10^{-8}$. Adam's
# default $\epsilon = 10^{-8}$ rounds to zero, and so does the square of any gradient below
# about $2 \times 10^{-4}$: then $\sqrt{\hat v} + \epsilon = 0$, and the step divides by zero.

# %% tags=["nbval-check-output"]
print(f"smallest positive float16: {np.finfo(np.float16).smallest_subnormal:.1e}")
print(f"eps = 1e-8 in float16:     {np.float16(1e-8)}")
print(f"(1e-4)**2 in float16:      {np.float16(1e-4) ** 2}")

# %% [markdown]
# Without a word, a float16 Adam with $\epsilon = 10^{-8}$ returns NaN or infinity, and the next
# step then complains about the gradients, as if the learning rate were the problem. The course's
# optimizers check it first and say what happened and what to do:

# %% tags=["nbval-check-output"]
half = np.ones(3, dtype=np.float16)
try:
    Adam(eps=1e-8).init(half)
except ValueError as error:
    print(error)

# %% [markdown]
# **Small steps vanish.** Near 1.0, float16 numbers are $2^{-11} \approx 0.0005$ apart below
# 1 (and 0.001 above it). A step of $\eta = 10^{-4}$ is less than half that gap, so
# $1 - 0.0001$ rounds back to 1: the weight never moves, however many steps are taken. Here is
# Adam with $\eta = 10^{-4}$ and a constant gradient, 1,000 steps, once on float16 weights and
# once on float32 weights (with $\epsilon = 10^{-4}$, which float16 can hold):

# %% tags=["nbval-check-output"]
for dtype in (np.float16, np.float32):
    weights = np.ones(3, dtype=dtype)
    optimizer = Adam(lr=1e-4, eps=1e-4)
    state = optimizer.init(weights)
    for _ in range(1000):
        weights, state = optimizer.step(weights, np.ones(3, dtype=dtype), state)
    print(f"{np.dtype(dtype).name} weights after 1,000 steps of about 1e-4: {weights[0]:.4f}")

# %% [markdown]
# Each float32 step moves the weight by about $10^{-4}$, 0.1 in all; each float16 step is
# rounded away. $m$ and $v$ have the same problem, since they change by a fraction
# $1-\beta$ of a gradient each step. So mixed-precision training computes the gradients in 16
# bits and hands them to an optimizer whose master weights, $m$ and $v$ are float32; only the
# weights copied back for the next forward pass are 16-bit. It also multiplies the loss by a
# large factor before the backward pass (**loss scaling**), so that small gradients do not round
# to zero in float16 on their way back (Micikevicius et al., 2018, *Mixed Precision Training*).
#
# **bfloat16**, the other 16-bit format, keeps float32's 8 exponent bits: $10^{-8}$ and the
# squares of small gradients survive. It pays with only 7 bits of digits: near 1 its numbers are
# $2^{-7} \approx 0.008$ apart, so small steps vanish even sooner. Frameworks keep the optimizer
# in float32 either way.
#
# ## Summary
#
# * An Adam step reads $\theta$, $g$, $m$, $v$ and writes $\theta$, $m$, $v$: **28 bytes per
#   float32 parameter**. Its arithmetic is small, so memory bandwidth sets the floor:
#   $28n / \text{bandwidth}$.
# * A textbook NumPy step makes about 14 passes over whole arrays and holds 7 new arrays; NumPy
#   `float64` hyperparameters silently make it a float64 step. In place (`*=`, `out=`), in cache
#   blocks, and finally in one fused loop, a step gets close to the floor: PyTorch's foreach and
#   fused optimizers, and the course's `opt.step_`.
# * Adam keeps two extra numbers per parameter. With mixed precision, weights, gradients and
#   state come to 16 bytes per parameter, 16 GB per billion parameters; Adafactor and 8-bit
#   optimizers keep much less.
# * In float16, $\epsilon = 10^{-8}$ and small squared gradients are zero, and small steps round
#   away: the master weights, $m$ and $v$ stay in float32.
#
# **That is the last lesson.** To go further: `benchmarks/bench_adam.py` runs this race at
# several sizes, and `adamcourse/fastpath.py` shows how the NumPy and numba engines are written.
