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
    on_disk = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert linked == on_disk


def test_readme_states_the_two_commands_that_course_py_implements():
    readme = (ROOT / "README.md").read_text()
    assert "python3 course.py lab" in readme and "python3 course.py test" in readme
    source = (ROOT / "course.py").read_text()
    assert '"lab"' in source and '"test"' in source
