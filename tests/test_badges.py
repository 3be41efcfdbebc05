"""Every "Open in Colab" badge comes from one configured place and opens a file that exists."""

import json
import re
from pathlib import Path

import pytest

from adamcourse import session

ROOT = Path(__file__).resolve().parents[1]
COLAB_LINK = re.compile(r"https://colab\.research\.google\.com/github/[^\s)\"'\]\\]+")
PREFIX = f"https://colab.research.google.com/github/{session.REPOSITORY}/blob/{session.BRANCH}/"
NOTEBOOKS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").rglob("[0-9][0-9]_*.ipynb"))
DOCUMENTS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")), *NOTEBOOKS]


def _links(path: str) -> list[str]:
    return COLAB_LINK.findall((ROOT / path).read_text())


def test_there_are_full_and_student_notebooks_to_check():
    assert any("/student/" in n for n in NOTEBOOKS) and any("/student/" not in n for n in NOTEBOOKS)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_colab_link_uses_the_configured_repository_and_an_existing_file(document):
    for link in _links(document):
        assert link.startswith(PREFIX), f"{document}: {link} does not start with {PREFIX} (session.REPOSITORY/BRANCH)"
        target = link[len(PREFIX) :]
        assert (ROOT / target).is_file(), f"{document}: the badge opens {target}, which is not in the repository"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_notebook_has_a_badge_that_opens_itself(notebook):
    first_cells = "".join("".join(cell["source"]) for cell in json.loads((ROOT / notebook).read_text())["cells"][:3])
    assert PREFIX + notebook in first_cells, f"{notebook} has no Colab badge that opens it"


def test_readme_opens_every_notebook_and_every_student_copy_in_colab():
    links = set(_links("README.md"))
    missing = [n for n in NOTEBOOKS if PREFIX + n not in links]
    assert not missing, f"README.md has no Colab link for {missing}"


def test_readmes_first_badge_opens_the_first_lessons_student_copy():
    """A learner who clicks the first badge gets the exercises, not the solutions."""
    first = _links("README.md")[0]
    assert first == PREFIX + "notebooks/student/00_start_here.ipynb", first
