"""A one-page cheat sheet: the five update rules side by side, each next to
the library lines that implement it, and what practice adds (lesson 07:
AdamW's decoupled decay, warmup then cosine, clipping by the global norm).

The code column is read from the optimizers' source at render time, so the
sheet cannot drift from the library. Render it with::

    python -m adamcourse.cheatsheet docs/cheatsheet.png      # or .pdf / .svg
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from pathlib import Path

from adamcourse import optimizers

# (name, one-line idea, equations in matplotlib mathtext, the code to show)
RULES = [
    (
        "SGD",
        "step downhill, as far as the slope says",
        [r"$\theta_t = \theta_{t-1} - \alpha\, g_t$"],
        optimizers.SGD._update,
    ),
    (
        "Momentum",
        "keep rolling: the velocity u remembers past steps",
        [r"$u_t = \beta\, u_{t-1} - \alpha\, g_t$", r"$\theta_t = \theta_{t-1} + u_t$"],
        optimizers.Momentum._update,
    ),
    (
        "AdaGrad",
        "each parameter's step shrinks with its squared-gradient sum",
        [r"$v_t = v_{t-1} + g_t^2$", r"$\theta_t = \theta_{t-1} - \alpha\, g_t \,/\, (\sqrt{v_t} + \epsilon)$"],
        optimizers.AdaGrad._update,
    ),
    (
        "RMSProp",
        "AdaGrad with a leaky average: old gradients fade",
        [
            r"$v_t = \beta\, v_{t-1} + (1-\beta)\, g_t^2$",
            r"$\theta_t = \theta_{t-1} - \alpha\, g_t \,/\, (\sqrt{v_t} + \epsilon)$",
        ],
        optimizers.RMSProp._update,
    ),
    (
        "Adam",
        "momentum + RMSProp + bias correction",
        [
            r"$m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t$",
            r"$v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2$",
            r"$\hat m_t = m_t / (1-\beta_1^t)\qquad \hat v_t = v_t / (1-\beta_2^t)$",
            r"$\theta_t = \theta_{t-1} - \alpha\, \hat m_t \,/\, (\sqrt{\hat v_t} + \epsilon)$",
        ],
        optimizers.Adam._update,
    ),
    (
        "AdamW",
        "lesson 07: c = global_clipnorm, s = t - 1, w and D = warmup and decay steps",
        [
            r"$g_t \leftarrow g_t \cdot \min(1,\ c \,/\, \Vert g_t \Vert)$   (one norm over all arrays)",
            r"$\alpha_t = \alpha\, s/w$  for $s < w$,  else  $\alpha\, (1 + \cos(\pi\, \min(s-w, D)/D))\,/\,2$",
            r"$\theta \leftarrow \theta\, (1 - \alpha_t \lambda)$,  then Adam's step with $\alpha_t$   ($\lambda$ = weight_decay)",
            r"(L2, Adam(l2=$\lambda$), adds $\lambda\theta$ to $g_t$ instead: then $\sqrt{\hat v_t}$ divides it)",
        ],
        optimizers.AdamW._update,
    ),
]

# What a step costs (lesson 08), one line per idea.
COST = (
    "Adam reads θ, g, m, v and writes θ, m, v: 28 bytes per float32 parameter,\n"
    "so a step takes at least 28 n / memory bandwidth.   In place: opt.step_(params, grads, state)\n"
    "State: 2 numbers per parameter; mixed precision: 16 bytes per parameter in all.\n"
    "In float16, eps = 1e-8 is 0 and small steps round away: keep m, v (and a master copy) in float32."
)


def _code(function) -> str:
    """The function's body without its signature, docstring and comment-only lines."""
    source = textwrap.dedent(inspect.getsource(function))
    lines = source.splitlines()
    body = lines[1:]
    doc = function.__doc__
    if doc:
        text = "\n".join(body)
        start = text.find('"""')
        end = text.find('"""', start + 3)
        body = (text[:start] + text[end + 3 :]).splitlines()
    # Lines that are only a comment stay in the source: on one page, the code column shows the code.
    return textwrap.dedent("\n".join(line for line in body if line.strip() and not line.strip().startswith("#")))


def figure():
    """Draw the sheet; returns the matplotlib Figure (A4 landscape)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11.69, 8.27))
    fig.text(0.03, 0.965, "adamcourse cheat sheet: the update rules", fontsize=17, weight="bold", va="top")
    fig.text(
        0.03,
        0.925,
        r"$g_t$ = gradient at step $t$ (t counts from 1)    $\alpha$ = lr    $\epsilon$ = eps    "
        r"$\beta, \beta_1, \beta_2$ = fraction of the old average kept    code: adamcourse/optimizers.py",
        fontsize=9.5,
        va="top",
        color="0.25",
    )
    fig.text(
        0.63,
        0.965,
        "helpers:  ema(avg, x, beta) = beta*avg + (1-beta)*x\n          debias(avg, beta, t) = avg / (1 - beta**t)",
        family="monospace",
        fontsize=8.5,
        va="top",
    )
    # Each row is as tall as its equations or its code, whichever needs more.
    eq_start, eq_step, code_step, pad = 0.062, 0.026, 0.0142, 0.007
    rows = [
        (rule, max(eq_start + len(rule[2]) * eq_step, 0.014 + len(_code(rule[3]).splitlines()) * code_step) + pad)
        for rule in RULES
    ]
    y = 0.895
    for (name, idea, equations, update), height in rows:
        fig.add_artist(plt.Line2D([0.03, 0.97], [y, y], color="0.8", lw=0.8, transform=fig.transFigure))
        fig.text(0.03, y - 0.01, name, fontsize=12, weight="bold", va="top")
        fig.text(0.03, y - 0.036, idea, fontsize=8.5, style="italic", va="top", color="0.3")
        for i, eq in enumerate(equations):
            fig.text(0.03, y - eq_start - i * eq_step, eq, fontsize=9.5, va="top")
        fig.text(0.47, y - 0.012, _code(update), family="monospace", fontsize=6.4, va="top", linespacing=1.3)
        y -= height
    # Lesson 08 in the room the last row's code leaves free, under it in the code column.
    fig.add_artist(plt.Line2D([0.47, 0.97], [y + 0.073, y + 0.073], color="0.8", lw=0.8, transform=fig.transFigure))
    fig.text(0.47, y + 0.069, "What a step costs (lesson 08)", fontsize=8.5, weight="bold", va="top")
    fig.text(0.47, y + 0.052, COST, fontsize=7, va="top", color="0.25", linespacing=1.35)
    return fig


def render(path: str | Path) -> Path:
    """Write the sheet to ``path`` (.png, .pdf or .svg) and return the path."""
    import matplotlib

    path = Path(path)
    if path.suffix.lower() not in {".png", ".pdf", ".svg"}:
        raise ValueError(
            f"the cheat sheet can be written as .png, .pdf or .svg, not {path.suffix or 'no extension'}: {path}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"figure.dpi": 100}):
        fig = figure()
        fig.savefig(path, dpi=150)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "docs/cheatsheet.pdf"
    print(f"wrote {render(target)}")
