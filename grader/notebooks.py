"""Reading notebooks and finding their nbgrader cells, with clear errors."""

from __future__ import annotations

import json
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
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_cells(notebook) -> dict[str, nbformat.NotebookNode]:
    """Cells where students write code, by grade_id."""
    return {nbgrader_meta(c)["grade_id"]: c for c in notebook.cells if nbgrader_meta(c).get("solution")}


def grade_cells(notebook) -> dict[str, nbformat.NotebookNode]:
    """Autograded test cells, by grade_id, in notebook order."""
    return {
        nbgrader_meta(c)["grade_id"]: c
        for c in notebook.cells
        if nbgrader_meta(c).get("grade") and c.cell_type == "code"
    }


def write_notebook(notebook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
