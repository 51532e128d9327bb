"""The grading pipeline: one engine for `grader check`, `grader verify` and `grader autograde`.

Each submission goes through six small steps, in this order:

  1. collect   find <student>/<assignment>/<notebook>.ipynb in a folder or a zip
               (collect.py);
  2. sanitize  put back the instructor's tests and metadata from the gradebook
               (sanitize.py): editing, deleting or duplicating a test changes nothing;
  3. execute   run the student's cells with their kernel in a sandbox, and the
               test cells here, in the trusted grader, with live handles on the
               kernel's objects (execute.py, remote.py); a test that cannot
               cross runs in the kernel, its calls recorded for replay;
  4. judge     decide each verdict in this trusted process (a test run here
               decides itself; one run in the kernel is replayed against the
               recorded values) and reduce the notebook to what a student may
               see (judge.py);
  5. record    write the scores into nbgrader's gradebook (record.py);
  6. report    feedback page, log, and last the result file (report.py).

The order matters: sanitize before execute, so no test the student wrote runs; judge before record, so the gradebook only ever holds
trusted verdicts; the result file last, so its presence means "graded" and a
run killed at any point resumes where it stopped (a rerun skips every
submission whose result matches its bytes and the assignment's source).

Steps 1, 2, 4, 5 and 6 run in this process, one submission at a time (the
gradebook is SQLite: one writer); step 3 runs for up to `jobs` submissions at
once.  A fault of the grader itself on one submission (never the student's)
leaves that submission without a result, logged, for the next run to retry.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from . import GraderError, sandbox
from .classcourse import ClassCourse
from .collect import Submission
from .course import Course
from .execute import Execution, execute
from .feedback import feedback_html
from .harness import cell_hash
from .judge import judge
from .notebooks import is_test, nbgrader_meta, read_notebook, write_atomically
from .record import TestScore, record_scores, record_zero, register, set_deadline
from .replay import imported_modules, student_names
from .report import Outcome, TestResult, combined, read_outcome, write_grades_csv, write_report
from .sanitize import nbgrader_resources, sanitize
from .workspace import prepare_nbgrader


class Pipeline:
    """Grades submissions into `out` (an nbgrader course folder), in sandboxes unless told otherwise."""

    def __init__(self, course: Course, out: Path, limits: sandbox.Limits = sandbox.Limits(), jobs: int = 1,
                 force: bool = False, use_sandbox: bool = True, progress: bool = False, deadline=None,
                 late_penalty: str = "none"):
        self.course, self.limits, self.jobs, self.force = course, limits, max(1, jobs), force
        self.deadline, self.late_penalty = deadline, late_penalty  # nbgrader's LateSubmissionPlugin method
        self.classcourse = ClassCourse(course, out, limits)
        self.use_sandbox, self.show_progress = use_sandbox, progress
        self.harness_settings: dict[str, dict] = {}
        self.failures: list[Submission] = []  # not graded because of an error in the grader itself

    @property
    def root(self) -> Path:
        return self.classcourse.root

    def run(self, submissions: list[Submission]) -> list[Outcome]:
        prepare_nbgrader()
        assignments = sorted({s.assignment for s in submissions})
        self.classcourse.prepare(assignments)
        for assignment in assignments:
            if self.deadline is not None:
                set_deadline(self.classcourse.db_url, assignment, self.deadline)
            for notebook in self.course.notebook_names(assignment):
                source = self.classcourse.source(assignment, notebook)
                self.harness_settings[(assignment, notebook)] = {"student_names": student_names(source)[0],
                                                                 "preload": imported_modules(source)}
        outcomes: list[Outcome] = []
        progress = _progress_bar(len(submissions), self.show_progress)
        todo = []
        for submission in submissions:
            if not self.force and self.classcourse.is_graded(submission):
                outcomes.append(read_outcome(self.root, submission))
                progress(outcomes[-1])
            else:
                todo.append(submission)
        slots, slot_lock = list(range(self.jobs)), threading.Lock()

        def execute_in_a_slot(submission, notebook):
            with slot_lock:
                slot = slots.pop()
            try:
                return self.execute(submission, notebook, slot)
            finally:
                with slot_lock:
                    slots.append(slot)

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            running = []
            for submission in todo:
                try:
                    prepared = self.sanitize(submission)
                    if isinstance(prepared, Outcome):
                        outcomes.append(prepared)
                        progress(prepared)
                    else:
                        running.append((submission, pool.submit(execute_in_a_slot, submission, prepared)))
                except Exception:
                    self.grader_fault(submission)
            for submission, future in running:
                try:
                    outcomes.append(self.judge_record_report(submission, future.result()))
                    progress(outcomes[-1])
                except Exception:
                    self.grader_fault(submission)
        progress(None)
        write_grades_csv(self.root)
        return outcomes

    # -- the steps, one method each --------------------------------------------------------

    def sanitize(self, submission: Submission):
        """Step 2 (main thread): an Outcome for a missing or unusable notebook, else the sanitized one."""
        from nbformat import ValidationError as NotebookInvalid
        from nbgrader.nbgraderformat import ValidationError as NbgraderInvalid

        register(self.classcourse.db_url, submission)
        if submission.path is None:
            return self.without_run(submission, "missing", f"no notebook {submission.notebook}.ipynb was submitted")
        source = self.classcourse.source(submission.assignment, submission.notebook)
        resources = nbgrader_resources(self.classcourse.db_url, submission.student, submission.assignment,
                                       submission.notebook)
        try:
            return sanitize(read_notebook(submission.path), source, resources)
        except GraderError as error:
            return self.without_run(submission, "invalid_notebook", str(error))
        except (NotebookInvalid, NbgraderInvalid) as error:  # nbgrader refuses the notebook (e.g. broken metadata)
            return self.without_run(submission, "invalid_notebook", f"{type(error).__name__}: {error}")

    def execute(self, submission: Submission, notebook, slot: int) -> Execution:
        """Step 3 (worker thread)."""
        config = {"test_cells": {cell_hash(c.source): nbgrader_meta(c)["grade_id"] for c in notebook.cells if is_test(c)},
                  **self.harness_settings[(submission.assignment, submission.notebook)]}
        # A short path of its own: the kernel's Unix sockets live there (at most 107 bytes of path).
        workdir = Path(tempfile.mkdtemp(prefix="grader-"))
        release = self.classcourse.root / "release" / submission.assignment
        for relative in self.classcourse.extra_files(submission.assignment):  # images, data: where the notebook looks
            (workdir / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(release / relative, workdir / relative)
        return execute(notebook, workdir, config, self.limits, slot=slot, use_sandbox=self.use_sandbox,
                       source=self.classcourse.source(submission.assignment, submission.notebook))

    def judge_record_report(self, submission: Submission, executed: Execution) -> Outcome:
        """Steps 4, 5 and 6 (main thread)."""
        try:
            verdicts, withheld = judge(executed, self.classcourse.source(submission.assignment, submission.notebook))
        finally:
            shutil.rmtree(executed.transcripts.parent, ignore_errors=True)  # holds hidden inputs: keep nothing
        scores, seconds_late, penalty = record_scores(self.classcourse.db_url, submission, executed.notebook,
                                                      self.late_penalty)
        autograded = self.root / "autograded" / submission.student / submission.assignment / f"{submission.notebook}.ipynb"
        write_atomically(autograded, nbformat.writes(executed.notebook))
        messages = {grade_id: verdict.message for grade_id, verdict in verdicts.items()}
        outcome = Outcome(submission, executed.status, round(executed.seconds, 2), _results(scores, messages),
                          seconds_late=seconds_late, late_penalty=penalty)
        lines = [f"status: {executed.status}", f"seconds: {executed.seconds:.2f}", f"restarts: {executed.restarts}",
                 *executed.events, "tests (full messages: for instructors only):"]
        for grade_id, verdict in verdicts.items():
            lines.append(f"  {'pass' if verdict.passed else 'FAIL'} {grade_id} ({verdict.how}) {verdict.detail or ''}".rstrip())
        if withheld:
            lines.append(f"feedback: outputs of code cells {withheld} withheld (they ran after hidden tests)")
        if executed.status != "ok" and executed.kernel_log:
            lines += ["kernel output (last lines):", *executed.kernel_log.splitlines()]
        self.report(outcome, lines, executed.notebook)
        return outcome

    def without_run(self, submission: Submission, status: str, why: str) -> Outcome:
        """Steps 5 and 6 for a submission with nothing to run: every test scores 0."""
        outcome = Outcome(submission, status, 0.0, _results(record_zero(self.classcourse.db_url, submission), {}))
        self.report(outcome, [f"status: {status}", why], None, why)
        return outcome

    def report(self, outcome: Outcome, log_lines: list[str], notebook, why: str | None = None) -> None:
        s = outcome.submission
        html = feedback_html(notebook, self.classcourse.release(s.assignment, s.notebook), outcome, why)
        write_report(self.root, outcome, self.classcourse.key(outcome.submission), log_lines, html)

    def grader_fault(self, submission: Submission) -> None:
        """No result for this submission (a rerun retries it); the traceback goes to an error log."""
        self.failures.append(submission)
        log = self.root / "logs" / submission.student / f"{submission.name}.error.log"
        write_atomically(log, traceback.format_exc())


HAND_GRADED = "to be graded by hand"


def _results(scores: list[TestScore], messages: dict[str, str | None]) -> list[TestResult]:
    return [TestResult(s.name, s.score, s.max_score, None if s.score >= s.max_score else
                       HAND_GRADED if s.manual else (messages.get(s.name) or "the test did not earn its points"),
                       s.manual) for s in scores]


def _progress_bar(total: int, enabled: bool):
    """tqdm's bar on stderr (silent when stderr is not a terminal); call with each Outcome, then None."""
    from tqdm import tqdm

    bar = tqdm(total=total, unit="notebook", disable=None if enabled else True, dynamic_ncols=True)

    def update(outcome: Outcome | None) -> None:
        if outcome is None:
            bar.close()
            return
        s = outcome.submission
        bar.set_postfix_str(f"{s.student}/{s.name}: {outcome.status}", refresh=False)
        bar.update(1)

    return update


def grade_notebooks(course: Course, assignment: str, notebooks: dict[str, object], out: Path | None = None,
                    limits: sandbox.Limits = sandbox.Limits(), jobs: int = 1,
                    use_sandbox: bool | None = None) -> dict[str, Outcome]:
    """Grade several versions of one assignment, by label (a student id), with the pipeline.

    Each value is a path or a NotebookNode (the assignment's only notebook), or
    a dict {notebook name: path or NotebookNode} with some or all of its
    notebooks: only those given are graded, and their outcome is combined
    (report.combined).  `out` defaults to a temporary folder, removed
    afterwards.  Sandboxed where a sandbox can be made.
    """
    from .collect import collect

    if use_sandbox is None:
        use_sandbox = sandbox.available()[0]
    with tempfile.TemporaryDirectory(prefix="grader-") as folder:
        out = Path(out or Path(folder) / "out")
        incoming = Path(folder) / "incoming"
        given = {}
        for label, versions in notebooks.items():
            if not isinstance(versions, dict):
                versions = {course.notebook(assignment).stem: versions}
            given[label] = set(versions)
            for name, notebook in versions.items():
                if not isinstance(notebook, nbformat.NotebookNode):
                    notebook = read_notebook(Path(notebook))
                target = incoming / label / assignment / f"{name}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, str(target))
        submissions = [s for s in collect(course, incoming, out / "submitted", [assignment])
                       if s.notebook in given[s.student]]
        pipeline = Pipeline(course, out, limits, jobs=jobs, force=True, use_sandbox=use_sandbox)
        by_label: dict[str, list[Outcome]] = {}
        for outcome in pipeline.run(submissions):
            by_label.setdefault(outcome.submission.student, []).append(outcome)
        if pipeline.failures:
            first = pipeline.failures[0]
            raise GraderError("the grader failed on " + ", ".join(s.name for s in pipeline.failures) + ": "
                              + (out / "logs" / first.student / f"{first.name}.error.log").read_text()[-1500:])
        order = course.notebook_names(assignment)
        return {label: combined(sorted(parts, key=lambda o: order.index(o.submission.notebook)))
                for label, parts in by_label.items()}
