"""Steps 3 and 4 for one submission, as plain data in and out: what a grading thread or a cluster worker runs.

`grade_task` executes a sanitized notebook in the sandbox and judges it, in
the process that calls it (a thread of `grader autograde`, or a Dask worker
on another machine).  Everything it is given and everything it returns is
plain data: the notebook and the instructor's source as JSON text, the
assignment's extra files as bytes, the limits as numbers; the answer is one
JSON text (the judged notebook, the verdicts, the log's lines).  So the
instructor's process never unpickles anything built from a student's bytes:
what crosses the network is a string, and it is parsed as JSON.

The answer is one of three kinds:
  {"graded": ...}  the submission's execution and verdicts;
  {"refused": why} this process cannot make a sandbox (no bubblewrap): it
                   grades nothing rather than run student code unprotected;
  {"fault": text}  an error in the grader itself (never the student's): the
                   submission stays ungraded, for the next run to retry.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
import threading
import traceback
from pathlib import Path

import nbformat

from . import sandbox
from .execute import execute
from .harness import cell_hash
from .judge import judge
from .notebooks import is_test, nbgrader_meta

# Parallel sandboxes in this process each need a slot of their own (a uid of this process's block).
_free_slots = list(range(sandbox.UIDS_PER_RUN))
_slots_lock = threading.Lock()


def assignment_data(source, settings: dict, extra_files: dict[str, bytes], limits: sandbox.Limits,
                    use_sandbox: bool) -> dict:
    """What every submission of one notebook shares (sent once to each worker): plain data only."""
    return {"source": nbformat.writes(source), "settings": settings, "extra_files": extra_files,
            "limits": {name: getattr(limits, name) for name in sandbox.Limits.__dataclass_fields__},
            "use_sandbox": use_sandbox}


def grade_task(notebook_json: str, shared: dict) -> str:
    """Execute and judge one sanitized notebook; JSON text (see the module's docstring). Never raises."""
    try:
        if shared["use_sandbox"]:
            ok, why = sandbox_here()
            if not ok:
                return json.dumps({"refused": f"{where()} cannot run student code in a sandbox: {why}",
                                   "worker": where()})
        with _slot() as slot:
            graded = _execute_and_judge(nbformat.reads(notebook_json, as_version=4), shared, slot)
        return json.dumps({"graded": graded, "worker": where()})
    except Exception:
        return json.dumps({"fault": traceback.format_exc(), "worker": where()})


def _execute_and_judge(notebook, shared: dict, slot: int) -> dict:
    source = _parsed(shared["source"])
    limits = sandbox.Limits(**shared["limits"])
    config = {"test_cells": {cell_hash(c.source): nbgrader_meta(c)["grade_id"] for c in notebook.cells if is_test(c)},
              **shared["settings"]}
    # A short path of its own: the kernel's Unix sockets live there (at most 107 bytes of path).
    workdir = Path(tempfile.mkdtemp(prefix="grader-"))
    try:
        for relative, data in shared["extra_files"].items():  # images, data: where the notebook looks for them
            (workdir / relative).parent.mkdir(parents=True, exist_ok=True)
            (workdir / relative).write_bytes(data)
        executed = execute(notebook, workdir, config, limits, slot=slot, use_sandbox=shared["use_sandbox"],
                           source=source)
        verdicts, withheld = judge(executed, source)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # holds hidden inputs (transcripts): keep nothing
    return {"notebook": executed.notebook, "status": executed.status, "seconds": executed.seconds,
            "restarts": executed.restarts, "events": executed.events, "kernel_log": executed.kernel_log,
            "verdicts": {grade_id: [v.passed, v.how, v.detail, v.message] for grade_id, v in verdicts.items()},
            "withheld": withheld}


@functools.lru_cache(maxsize=64)
def _parsed(source_json: str):
    """The instructor's notebook, parsed once per process (every submission of a notebook shares it)."""
    return nbformat.reads(source_json, as_version=4)


@functools.cache
def sandbox_here() -> tuple[bool, str]:
    """Whether this process can make sandboxes (asked once: bubblewrap does not come and go)."""
    return sandbox.available()


def where() -> str:
    """This process's name in a report: the Dask worker's address, or 'this machine'."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "this machine"


class _slot:
    def __enter__(self) -> int:
        with _slots_lock:
            if not _free_slots:
                raise RuntimeError(f"more than {sandbox.UIDS_PER_RUN} sandboxes at once in one process")
            self.slot = _free_slots.pop()
        return self.slot

    def __exit__(self, *exc) -> None:
        with _slots_lock:
            _free_slots.append(self.slot)
