"""A one-page cheat sheet: the five update rules side by side, each next to
the library lines that implement it.

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
        [r"$v_t = \beta\, v_{t-1} + (1-\beta)\, g_t^2$", r"$\theta_t = \theta_{t-1} - \alpha\, g_t \,/\, (\sqrt{v_t} + \epsilon)$"],
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
]

def _code(function) -> str:
    """The function's body without its signature and docstring."""
    source = textwrap.dedent(inspect.getsource(function))
    lines = source.splitlines()
    body = lines[1:]
    doc = function.__doc__
    if doc:
        text = "\n".join(body)
        start = text.find('"""')
        end = text.find('"""', start + 3)
        body = (text[:start] + text[end + 3 :]).splitlines()
    return textwrap.dedent("\n".join(line for line in body if line.strip()))


def figure():
    """Draw the sheet; returns the matplotlib Figure (A4 landscape)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11.69, 8.27))
    fig.text(0.03, 0.965, "adamcourse cheat sheet: five update rules", fontsize=17, weight="bold", va="top")
    fig.text(
        0.03, 0.925,
        r"$g_t$ = gradient at step $t$ (t counts from 1)    $\alpha$ = lr    $\epsilon$ = eps    "
        r"$\beta, \beta_1, \beta_2$ = fraction of the old average kept    code: adamcourse/optimizers.py",
        fontsize=9.5, va="top", color="0.25",
    )
    fig.text(
        0.63, 0.965,
        "helpers:  ema(avg, x, beta) = beta*avg + (1-beta)*x\n"
        "          debias(avg, beta, t) = avg / (1 - beta**t)",
        family="monospace", fontsize=8.5, va="top",
    )
    # Each row is as tall as its equations or its code, whichever needs more.
    eq_start, eq_step, code_step, pad = 0.08, 0.034, 0.0172, 0.012
    rows = [
        (rule, max(eq_start + len(rule[2]) * eq_step, 0.014 + len(_code(rule[3]).splitlines()) * code_step) + pad)
        for rule in RULES
    ]
    y = 0.895
    for (name, idea, equations, update), height in rows:
        fig.add_artist(plt.Line2D([0.03, 0.97], [y, y], color="0.8", lw=0.8, transform=fig.transFigure))
        fig.text(0.03, y - 0.012, name, fontsize=13, weight="bold", va="top")
        fig.text(0.03, y - 0.045, idea, fontsize=8.5, style="italic", va="top", color="0.3")
        for i, eq in enumerate(equations):
            fig.text(0.03, y - eq_start - i * eq_step, eq, fontsize=11, va="top")
        fig.text(0.47, y - 0.014, _code(update), family="monospace", fontsize=7.2, va="top", linespacing=1.3)
        y -= height
    return fig


def render(path: str | Path) -> Path:
    """Write the sheet to ``path`` (.png, .pdf or .svg) and return the path."""
    import matplotlib

    path = Path(path)
    if path.suffix.lower() not in {".png", ".pdf", ".svg"}:
        raise ValueError(f"the cheat sheet can be written as .png, .pdf or .svg, not {path.suffix or 'no extension'}: {path}")
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
