"""The cheat sheet shows the library's real update lines and renders to a file."""

import inspect

import matplotlib
import pytest

matplotlib.use("Agg")

from adamcourse import cheatsheet, optimizers  # noqa: E402


def _texts(fig):
    return [t.get_text() for t in fig.texts]


def test_sheet_shows_every_rule_with_the_code_that_implements_it():
    fig = cheatsheet.figure()
    texts = _texts(fig)
    for name, _, equations, update in cheatsheet.RULES:
        assert name in texts
        assert all(eq in texts for eq in equations)
        code = next(t for t in texts if "return" in t and t in cheatsheet._code(update))
        # every non-blank line of the shown code is a line of the real method
        source_lines = {line.strip() for line in inspect.getsource(update).splitlines()}
        assert all(line.strip() in source_lines for line in code.splitlines())
    assert [r[0] for r in cheatsheet.RULES] == ["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam", "AdamW"]
    matplotlib.pyplot.close(fig)


def test_code_column_drops_signature_and_docstring():
    code = cheatsheet._code(optimizers.Adam._update)
    assert "def " not in code and '"""' not in code
    assert "ema(m, g, self.beta1)" in code


@pytest.mark.parametrize("suffix", [".png", ".pdf"])
def test_render_writes_a_nonempty_file(tmp_path, suffix):
    path = cheatsheet.render(tmp_path / f"sheet{suffix}")
    assert path.exists() and path.stat().st_size > 10_000


def test_render_rejects_unknown_formats(tmp_path):
    with pytest.raises(ValueError, match=r"\.png, \.pdf or \.svg"):
        cheatsheet.render(tmp_path / "sheet.docx")
