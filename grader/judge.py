"""Step 4, judge: each test's verdict, decided by the trusted grader, and a notebook safe to show.

Most tests ran in this process, against the kernel (remote.py): such a test
passes if the grader saw nothing go wrong (no timeout, no dead kernel) and the
test raised nothing.  A test that had to run in the kernel (it passes the
student's code a lambda, or a tensor subclass that counts operations) passes
only if all of these hold:
  * the grader saw nothing go wrong (no timeout, no dead kernel, the cell ran);
  * the kernel's execute_reply for the cell says "ok" and the cell shows no
    error (hiding a traceback does not hide the reply's status);
  * the trusted replay (replay.py) passes, or, for a test that cannot be
    replayed from values (it builds a student's class), the sandbox run passed.

What a student may see of it (the feedback page, `grader check`) is decided
here too, as a rule about where text comes from rather than about what it
says (encoded or split text would defeat any search for hidden lines):
  * text the kernel produced after a hidden test ran in it, and text built
    from values the student's code returned (an assertion's "got ..."), is
    never shown: a student's code could have put the hidden tests there;
  * shown are the grader's own words, the exception's built-in class, and the
    failing line when the trusted traceback places it in the visible part of
    the test (a line the released notebook already shows);
  * outputs of the student's own cells that ran after the first hidden test
    are withheld, and the log says so.
Instructors' logs keep every message.
"""

from __future__ import annotations

from dataclasses import dataclass

import nbformat

from .execute import Execution, error_output
from .notebooks import first_error, grade_cells, has_hidden_tests, is_test, nbgrader_meta, visible_line
from .remote import TRUSTED
from .replay import BUILTIN_EXCEPTIONS, Replay, replay

WITHHELD = ("[grader: outputs not shown: this cell ran after hidden tests had run in your kernel, "
            "so its output could carry them; your own notebook has them]\n")


@dataclass(frozen=True)
class Verdict:
    grade_id: str
    passed: bool
    how: str  # "run by the grader", "replayed outside the sandbox" or "sandbox verdict"
    detail: str | None  # for the instructor's log: the full one-line error
    message: str | None  # for the student: only text that cannot carry a hidden test


def judge(executed: Execution, source) -> tuple[dict[str, Verdict], list[int]]:
    """Verdicts by grade_id, applied to the notebook's test cells; and the indices of withheld cells."""
    notebook = executed.notebook
    in_kernel = {nbgrader_meta(c)["grade_id"] for c in notebook.cells if is_test(c)} - set(executed.remote)
    with TRUSTED:  # test code of other submissions may be running in this process's worker threads
        replays = replay(notebook, source, executed.transcripts, only=in_kernel)
    tests = grade_cells(source)
    verdicts = {}
    for index, cell in enumerate(notebook.cells):
        if not is_test(cell):
            continue
        grade_id = nbgrader_meta(cell)["grade_id"]
        if grade_id in executed.remote:
            verdict = _remote_verdict(grade_id, tests[grade_id].source, executed.remote[grade_id],
                                      executed.grader_notes.get(index))
        else:
            verdict = _verdict(grade_id, tests[grade_id].source, replays.get(grade_id), executed.replies.get(index),
                               first_error(cell), executed.grader_notes.get(index))
        verdicts[grade_id] = verdict
        # A test cell's outputs become its verdict: nothing the kernel printed is kept.
        ename, _, evalue = (verdict.message or "").partition(": ")
        cell.outputs = [] if verdict.passed else [error_output(ename or "Error", evalue)]
    return verdicts, withhold_tainted_outputs(notebook)


def _remote_verdict(grade_id: str, test_source: str, outcome, grader_note: str | None) -> Verdict:
    """A test that ran in this process: its own exception, if any, is the verdict."""
    how = "run by the grader"
    if grader_note:
        return Verdict(grade_id, False, how, grader_note, grader_note)
    if outcome.status == "passed":
        return Verdict(grade_id, True, how, None, None)
    return Verdict(grade_id, False, how, outcome.error, _where(outcome.ename, outcome.lineno, test_source))


def _verdict(grade_id: str, test_source: str, replayed: Replay | None, reply: str | None,
             sandbox_error: str | None, grader_note: str | None) -> Verdict:
    replayed = replayed or Replay("unobserved", "GradingError: no record of this test")
    how = "sandbox verdict" if replayed.status == "unreplayable" else "replayed outside the sandbox"

    def failed(message: str, detail: str | None = None) -> Verdict:
        return Verdict(grade_id, False, how, detail or sandbox_error or replayed.error or message, message)

    sandbox_failed = reply != "ok" or sandbox_error is not None
    if grader_note:
        return failed(grader_note, grader_note)
    if replayed.status == "failed" and replayed.ename != "ReplayMismatch":
        return failed(_where(replayed.ename, replayed.lineno, test_source), replayed.error)
    if sandbox_failed:
        if sandbox_error is None:
            return failed("Error: the test cell failed but showed no error (did the notebook hide its traceback?)",
                          f"execute_reply status {reply!r} with no error output")
        # Where the replay stopped (a call the sandbox never made) is where the sandbox run failed.
        return failed(_where(sandbox_error.partition(":")[0], replayed.lineno, test_source,
                             unknown="the test failed in your kernel"))
    if replayed.status == "failed":
        return failed("ReplayMismatch: the test's calls differ from those it made in your kernel "
                      "(did a cell change a library function or a random generator?)", replayed.error)
    if replayed.status == "unobserved":
        return failed("GradingError: this test could not be observed (did the notebook tamper with the kernel?)",
                      replayed.error)
    return Verdict(grade_id, True, how, None, None)


def _where(ename: str | None, lineno: int | None, test_source: str, unknown: str = "a hidden test failed") -> str:
    """'ErrorType: where': the visible line that failed, or that a hidden one did (or `unknown`, with no line)."""
    ename = _safe_name(ename or "Error")
    if not lineno:
        return f"{ename}: {unknown}"
    line = visible_line(test_source, lineno)
    if line is not None:
        return f"{ename}: failed at line {lineno} of the visible test: {line}"
    return f"{ename}: a hidden test failed"


def _safe_name(name: str) -> str:
    """An exception's class name when it is a built-in or the grader's; anything else could be a message."""
    name = name.strip()
    return name if name in BUILTIN_EXCEPTIONS or name in ("ReplayMismatch", "GradingError") else "Error"


def withhold_tainted_outputs(notebook) -> list[int]:
    """Clear the outputs of code cells that ran after the first test cell with hidden tests."""
    withheld, tainted = [], False
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        if is_test(cell):
            tainted = tainted or has_hidden_tests(cell)
            continue
        if tainted and cell.outputs:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=WITHHELD)]
            withheld.append(index)
    return withheld
