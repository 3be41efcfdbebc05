"""The instructor guide and README stay true to the code they describe."""

import re
from pathlib import Path

from adamcourse import checks

ROOT = Path(__file__).resolve().parents[1]


def test_instructor_guide_lists_every_exercise_the_checks_know():
    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    for grade_id in checks.EXERCISES:
        assert f"`{grade_id}`" in guide, f"docs/instructor-guide.md does not mention exercise {grade_id}"


def test_instructor_guide_points_match_the_registry():
    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    for exercise in checks.EXERCISES.values():
        row = re.search(rf"\| `{exercise.grade_id}` \| (\d+) \|", guide)
        assert row and int(row.group(1)) == exercise.points, exercise.grade_id


def test_readme_links_every_notebook_and_only_existing_ones():
    readme = (ROOT / "README.md").read_text()
    linked = set(re.findall(r"\]\((notebooks/[^)]+\.ipynb)\)", readme))
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").rglob("[0-9][0-9]_*.ipynb")}
    assert linked == on_disk


def test_readme_leads_a_learner_to_the_student_copy_first():
    """Each lesson's row opens the student copy (name and badge); the solutions come after."""
    rows = [line for line in (ROOT / "README.md").read_text().splitlines() if re.match(r"\| \d\d \|", line)]
    lessons = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [row[2:4] for row in rows] == [name[:2] for name in lessons]
    for row, name in zip(rows, lessons):
        targets = re.findall(r"\]\(([^)\s]+\.ipynb)\)", row)
        student = [i for i, t in enumerate(targets) if t.endswith(f"notebooks/student/{name}.ipynb")]
        full = [i for i, t in enumerate(targets) if t.endswith(f"notebooks/{name}.ipynb")]
        assert student and full, f"the row of {name} needs links to the student copy and to the solutions"
        assert targets[0].endswith(f"student/{name}.ipynb") and max(student) < min(full), (
            f"the row of {name} must open the student copy first, the solutions after: {targets}"
        )


def test_readme_states_the_commands_that_course_py_implements():
    readme = (ROOT / "README.md").read_text()
    commands = ["lab", "test", "reset"]
    for command in commands:
        assert f"python3 course.py {command}" in readme, command
    source = (ROOT / "course.py").read_text()
    assert all(f'"{command}"' in source for command in commands)


def _header_minutes():
    """Each lesson's "**Time:** about N minutes", from its source."""
    minutes = {}
    for source in sorted((ROOT / "notebooks" / "sources").glob("[0-9][0-9]_*.py")):
        found = re.search(r"\*\*Time:\*\* about (\d+) minutes", source.read_text())
        assert found, f"{source.name} has no '**Time:** about N minutes' line"
        minutes[source.stem[:2]] = int(found.group(1))
    return minutes


def test_lesson_times_agree_in_the_lessons_the_readme_and_the_instructor_guide():
    headers = _header_minutes()
    readme = (ROOT / "README.md").read_text()
    in_readme = {
        k: int(v)
        for k, v in re.findall(r"\b(\d\d) (\d+) min\b", readme.split("Time per lesson", 1)[-1].split("\n\n")[0])
    }
    assert in_readme == headers, "README's 'Time per lesson' line and the lessons' headers disagree"
    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    rows = re.findall(r"^\| (\d\d) [^|]+\|[^|]+\|[^|]+\| (\d+) min \|$", guide, flags=re.MULTILINE)
    assert len(rows) >= 7, "the guide's table of learning goals and run times was not found"
    for number, minutes in rows:
        assert int(minutes) == headers[number], (
            f"lesson {number}: the guide says {minutes} min, the lesson {headers[number]}"
        )


def test_quick_mode_is_explained_where_an_instructor_and_a_learner_look():
    from adamcourse import finale

    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    lesson = (ROOT / "notebooks" / "sources" / "06_mnist_keras.py").read_text()
    assert finale.QUICK_VARIABLE == "ADAMCOURSE_QUICK"
    for text in (guide, lesson):
        assert "ADAMCOURSE_QUICK=1 python3 course.py lab" in text and "%env ADAMCOURSE_QUICK=1" in text


def test_the_guides_mistakes_table_is_made_from_the_exercises():
    """tools/mistakes_table.py writes it; a changed exercise without a rerun fails here."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "mistakes_table.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
