"""Step 2, sanitize: the submission's notebook with the instructor's tests and metadata put back.

nbgrader's own preprocessors do most of it (from the gradebook): outputs
cleared, cell ids made unique, the kernel set to the course's, every test
cell's source restored.  Before them, restore_nbgrader_cells makes each
nbgrader cell appear once with the instructor's metadata, so edited, deleted
or duplicated test cells and forged points change nothing.
"""

from __future__ import annotations

import copy

import nbformat

from .notebooks import is_test, nbgrader_meta


def nbgrader_resources(db_url: str, student: str, assignment: str, notebook: str) -> dict:
    return {"nbgrader": {"student": student, "assignment": assignment, "notebook": notebook, "db_url": db_url}}


def restore_nbgrader_cells(notebook, source):
    """Every nbgrader cell once, with the instructor's metadata; deleted test cells put back.

    A cell's nbgrader metadata (grade, points, grade_id) is the instructor's, whatever the submission says;
    a second cell with the same grade_id, or one with a grade_id the instructor never wrote, is only a
    student cell.  nbgrader's OverwriteCells then restores each test cell's source from the gradebook.
    """
    known = {nbgrader_meta(c)["grade_id"]: c for c in source.cells if nbgrader_meta(c).get("grade_id")}
    seen = set()
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if "nbgrader" in cell.get("metadata", {}):
            del cell.metadata["nbgrader"]
        if grade_id in known and grade_id not in seen and cell.cell_type == known[grade_id].cell_type:
            cell.metadata["nbgrader"] = copy.deepcopy(known[grade_id].metadata["nbgrader"])
            seen.add(grade_id)
    order = list(known)
    for grade_id, cell in known.items():
        if grade_id in seen or not is_test(cell):  # never an answer cell: the source holds the solution
            continue
        earlier = [g for g in order[:order.index(grade_id)] if g in seen]
        position = len(notebook.cells)
        if earlier:
            position = 1 + next(i for i, c in enumerate(notebook.cells) if nbgrader_meta(c).get("grade_id") == earlier[-1])
        notebook.cells.insert(position, copy.deepcopy(cell))
        seen.add(grade_id)
    return notebook


def sanitize(notebook, source, resources: dict) -> nbformat.NotebookNode:
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec

    notebook = restore_nbgrader_cells(notebook, source)
    for step in (ClearOutput(), DeduplicateIds(), OverwriteKernelspec(), OverwriteCells(), CheckCellMetadata()):
        notebook, resources = step.preprocess(notebook, resources)
    return notebook
