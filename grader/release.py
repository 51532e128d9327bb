"""Generate exercises/ from solutions/ with nbgrader, and check it is current.

Released notebooks are generated, never hand-edited: nbgrader strips the
solutions and hidden tests and records cell checksums.  Outputs are written
through a temporary folder, so a failed release leaves exercises/ as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat

from .course import Course
from .notebooks import HIDDEN_MARKERS, SOLUTION_MARKERS, read_notebook
from .workspace import Workspace


def generate_release(course: Course, assignment: str, folder: Path) -> list[Path]:
    """Release `assignment` into a fresh nbgrader workspace in `folder`."""
    workspace = Workspace(course, assignment, folder)
    workspace.generate()
    return workspace.released_notebooks()


def release(course: Course, assignment: str) -> list[Path]:
    """Regenerate exercises/<assignment>/ from solutions/<assignment>/."""
    with tempfile.TemporaryDirectory(prefix="grader-release-") as folder:
        released = generate_release(course, assignment, Path(folder))
        target = course.exercises / assignment
        staged = course.exercises / f".{assignment}.new"
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(released[0].parent, staged)
        shutil.rmtree(target, ignore_errors=True)
        staged.rename(target)
    return sorted(target.glob("*.ipynb"))


def comparable(notebook) -> dict:
    """A notebook as plain data, without fields that differ between identical releases."""
    data = nbformat.from_dict(notebook)
    for cell in data.cells:
        cell.pop("id", None)
    return data


def stale_notebooks(course: Course, assignment: str, fresh: list[Path] | None = None) -> list[str]:
    """Names of released notebooks that differ from a fresh release (or are missing).

    `fresh` is an already generated release to compare with; without it, one is made.
    """
    if fresh is None:
        with tempfile.TemporaryDirectory(prefix="grader-release-") as folder:
            return stale_notebooks(course, assignment, generate_release(course, assignment, Path(folder)))
    stale = []
    for path in fresh:
        committed = course.exercises / assignment / path.name
        if not committed.exists() or comparable(read_notebook(committed)) != comparable(read_notebook(path)):
            stale.append(path.name)
    extra = {p.name for p in (course.exercises / assignment).glob("*.ipynb")} - {p.name for p in fresh}
    return stale + sorted(extra)


def secret_lines(source_notebook) -> set[str]:
    """Lines of solution code and hidden tests that appear nowhere else in the source.

    A line that the visible part also shows (`except ValueError:`) is no
    secret, and neither are short lines such as `return C`, which honest
    scaffolding shares with any answer.
    """
    secret, public = set(), set()
    markers = {marker: marker.startswith("### BEGIN") for marker in SOLUTION_MARKERS + HIDDEN_MARKERS}
    for cell in source_notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            text = line.strip()
            if text in markers:
                inside = markers[text]
            elif inside and len(text) >= 16:
                secret.add(text)
            else:
                public.add(text)
    return secret - public


def leaked_lines(course: Course, assignment: str) -> list[str]:
    """Solution or hidden-test lines (or their markers) found in the released notebooks."""
    leaks = []
    for source in course.source_notebooks(assignment):
        released = course.exercises / assignment / source.name
        if not released.exists():
            continue
        text = "\n".join(cell.source for cell in read_notebook(released).cells)
        released_lines = {line.strip() for line in text.splitlines()}
        leaks += sorted(secret_lines(read_notebook(source)) & released_lines)
        leaks += [marker for marker in SOLUTION_MARKERS + HIDDEN_MARKERS if marker in text]
    return leaks
