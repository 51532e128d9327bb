"""Reading notebooks and finding their nbgrader cells, with clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
from nbformat.reader import NotJSONError

from . import GraderError


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """A validated notebook, or a GraderError that says what is wrong with the file."""
    path = Path(path)
    if not path.exists():
        raise GraderError(f"no such notebook: {path}")
    if path.is_dir():
        raise GraderError(f"{path} is a folder, not a notebook")
    if path.suffix != ".ipynb":
        raise GraderError(f"{path} is not a notebook (expected a .ipynb file)")
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except (json.JSONDecodeError, UnicodeDecodeError, NotJSONError):
        raise GraderError(f"{path} is not valid notebook JSON (is the file complete?)") from None
    except Exception as error:  # nbformat raises several kinds for broken files
        raise GraderError(f"{path} could not be read as a notebook ({type(error).__name__}: {error})") from None
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        raise GraderError(f"{path} is not a valid notebook: {error.message}") from None
    return notebook


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata; {} when missing or not a mapping (a submission may hold anything)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def solution_cells(notebook) -> dict[str, nbformat.NotebookNode]:
    """Cells where students write code, by grade_id."""
    return {nbgrader_meta(c)["grade_id"]: c for c in notebook.cells if nbgrader_meta(c).get("solution")}


def grade_cells(notebook) -> dict[str, nbformat.NotebookNode]:
    """Autograded test cells, by grade_id, in notebook order."""
    return {nbgrader_meta(c)["grade_id"]: c for c in notebook.cells if is_test(c)}


def write_notebook(notebook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


# -- nbgrader's markers and cells: the one home of each ---------------------------------

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def is_test(cell) -> bool:
    """An autograded test cell: nbgrader's `grade` on a code cell that is not also a `solution`.

    A cell that is both is nbgrader's "manually graded answer": the student's
    code, which runs in the kernel like any answer, and which a person grades.
    """
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def has_hidden_tests(cell) -> bool:
    return is_test(cell) and HIDDEN_MARKERS[0] in cell.source


def visible_line(test_source: str, lineno: int) -> str | None:
    """Line `lineno` (1-based) of an instructor's test cell, if the released notebook shows it; else None."""
    inside = False
    for number, line in enumerate(test_source.splitlines(), start=1):
        marker = line.strip()
        if marker == HIDDEN_MARKERS[0]:
            inside = True
        elif marker == HIDDEN_MARKERS[1]:
            inside = False
        elif number == lineno:
            return None if inside else line.strip()
    return None


def first_error(cell) -> str | None:
    """'ErrorType: message' for a cell's first error output, without traceback or data dumps.

    For instructors' logs.  assert_allclose appends the compared arrays to its
    message; those are cut, so a log stays one line per test.
    """
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return one_line(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    return None


def one_line(message: str) -> str:
    ename, _, evalue = message.partition(": ")
    lines = []
    for line in evalue.splitlines():
        if line.lstrip().startswith(("x:", "y:", "ACTUAL:", "DESIRED:")):
            break
        if line.strip():
            lines.append(line.strip())
    text = "; ".join(lines[:4])
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{ename}: {text}" if text else ename


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write a whole file or nothing: a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data.encode() if isinstance(data, str) else data)
    os.replace(temporary, path)
