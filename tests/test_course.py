"""course.py, the learner's entry point: own copies of the lessons that `git pull` never touches,
a reset per lesson, and JupyterLab started without asking about its news."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)


@pytest.fixture
def student(tmp_path, monkeypatch):
    """A course with two student copies; returns (student folder, learner folder)."""
    folder = tmp_path / "student"
    folder.mkdir()
    for name in ("00_start_here.ipynb", "05_adam.ipynb"):
        (folder / name).write_text(json.dumps({"lesson": name, "version": 1}))
    monkeypatch.setattr(course, "STUDENT", folder)
    return folder, tmp_path / "my-notebooks"


def test_first_run_copies_every_student_copy(student):
    folder, mine = student
    copied, updated = course.learner_copies(mine)
    assert copied == ["00_start_here", "05_adam"] and updated == []
    for lesson in folder.glob("*.ipynb"):
        assert (mine / lesson.name).read_bytes() == lesson.read_bytes()


def test_a_learners_work_is_never_overwritten_and_an_update_is_announced(student):
    folder, mine = student
    course.learner_copies(mine)
    (mine / "05_adam.ipynb").write_text("my work")
    (mine / "00_start_here.ipynb").unlink()  # a deleted copy comes back
    (folder / "05_adam.ipynb").write_text(json.dumps({"lesson": "05", "version": 2}))  # git pull brought an update
    copied, updated = course.learner_copies(mine)
    assert copied == ["00_start_here"] and updated == ["05_adam"]
    assert (mine / "05_adam.ipynb").read_text() == "my work"


def test_reset_gives_a_fresh_copy_and_keeps_the_old_one(student):
    folder, mine = student
    course.learner_copies(mine)
    (mine / "05_adam.ipynb").write_text("my work")
    (folder / "05_adam.ipynb").write_text("version 2")
    backups = course.reset(["05"], mine)
    assert (mine / "05_adam.ipynb").read_text() == "version 2"
    assert [b.read_text() for b in backups] == ["my work"] and backups[0].parent.name == ".backup"
    assert course.learner_copies(mine) == ([], [])  # the reset copy counts as up to date
    with pytest.raises(SystemExit, match="no lesson '07'; the lessons are 00, 05"):
        course.reset(["07"], mine)


def test_my_notebooks_are_ignored_by_git():
    ignored = subprocess.run(["git", "check-ignore", "-q", "my-notebooks/05_adam.ipynb"], cwd=ROOT)
    assert ignored.returncode == 0, "my-notebooks/ must be in .gitignore, or `git pull` would fight the learner's work"


def test_lab_opens_the_learners_folder_without_asking_about_news():
    command = course._lab_command([])
    assert command[command.index("--ServerApp.root_dir") + 1] == str(ROOT)
    assert "--LabApp.default_url=/lab/tree/my-notebooks" in command
    assert "--LabApp.news_url=None" in command
    settings_dir = Path(next(a for a in command if a.startswith("--LabApp.app_settings_dir=")).split("=", 1)[1])
    overrides = json.loads((settings_dir / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    # a folder the caller chooses wins, and so does the caller's own news setting
    chosen = course._lab_command(["--ServerApp.root_dir=/elsewhere", "--LabApp.news_url=https://example.org/feed"])
    assert str(ROOT) not in chosen[chosen.index("lab") + 1 :] and chosen.count("--LabApp.news_url=None") == 0


def test_the_course_settings_are_valid_for_this_jupyterlab():
    """fetchNews must be one of the values the installed JupyterLab's schema allows."""
    from jupyterlab.commands import get_app_dir

    schema = Path(get_app_dir()) / "schemas/@jupyterlab/apputils-extension/notification.json"
    allowed = {option["const"] for option in json.loads(schema.read_text())["properties"]["fetchNews"]["oneOf"]}
    assert "false" in allowed
