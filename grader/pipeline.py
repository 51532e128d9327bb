"""The grading pipeline: one engine for `grader check`, `grader verify` and `grader autograde`.

Each submission goes through six small steps, in this order:

  1. collect   find <student>/<assignment>/<notebook>.ipynb in a folder or a zip
               (collect.py);
  2. sanitize  put back the instructor's tests and metadata from the gradebook
               (sanitize.py): editing, deleting or duplicating a test changes nothing;
  3. execute   run the student's cells with their kernel in a sandbox, and the
               test cells in the trusted grader, with live handles on the
               kernel's objects (execute.py, remote.py); a test that cannot
               cross runs in the kernel, its calls recorded for replay;
  4. judge     decide each verdict in the trusted grader (a test run there
               decides itself; one run in the kernel is replayed against the
               recorded values) and reduce the notebook to what a student may
               see (judge.py);
  5. record    write the scores into nbgrader's gradebook (record.py);
  6. report    feedback page, log, and last the result file (report.py).

The order matters: sanitize before execute, so no test the student wrote
runs; judge before record, so the gradebook only ever holds trusted verdicts; the result file last, so its presence means "graded" and a
run killed at any point resumes where it stopped (a rerun skips every
submission whose result matches its bytes and the assignment's source).

Steps 1, 2, 5 and 6 run in this process, one submission at a time (the
gradebook is SQLite: one writer).  Steps 3 and 4 are one task (work.py), plain
data in and JSON text out, run by an engine (engines.py): `jobs` threads of
this process, or the workers of a Dask cluster, each a trusted grader of its
own with the same sandbox.  A fault of the grader itself on one submission
(never the student's) leaves that submission without a result, logged, for
the next run to retry.
"""

from __future__ import annotations

import json
import tempfile
import time
import traceback
from pathlib import Path

import nbformat

from . import GraderError, sandbox
from .classcourse import ClassCourse
from .collect import Submission
from .course import Course
from .engines import LocalEngine
from .feedback import feedback_html
from .judge import Verdict
from .notebooks import read_notebook, write_atomically
from .record import TestScore, one_engine_per_gradebook, record_scores, record_zero, register, set_deadline
from .replay import imported_modules, student_names
from .report import Outcome, TestResult, combined, read_outcome, write_grades_csv, write_report
from .sanitize import nbgrader_resources, sanitize
from .work import assignment_data, grade_task
from .workspace import prepare_nbgrader


class Pipeline:
    """Grades submissions into `out` (an nbgrader course folder), in sandboxes unless told otherwise.

    Steps 3 and 4 run on `engine` (engines.py): `jobs` threads here by default, or a Dask cluster's workers.
    """

    def __init__(self, course: Course, out: Path, limits: sandbox.Limits = sandbox.Limits(), jobs: int = 1,
                 force: bool = False, use_sandbox: bool = True, progress: bool = False, deadline=None,
                 late_penalty: str = "none", engine=None):
        self.course, self.limits, self.jobs, self.force = course, limits, max(1, jobs), force
        self.deadline, self.late_penalty = deadline, late_penalty  # nbgrader's LateSubmissionPlugin method
        self.classcourse = ClassCourse(course, out, limits)
        self.use_sandbox, self.show_progress = use_sandbox, progress
        self.engine = engine
        self.shared: dict[tuple[str, str], object] = {}  # (assignment, notebook) -> work.assignment_data, shared
        self.failures: list[Submission] = []  # not graded because of an error in the grader itself
        self.seconds_here = 0.0  # spent in steps 2, 5 and 6, in this process (make bench's cluster model)

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
        engine = self.engine or LocalEngine(self.jobs)
        try:
            engine.check_workers(self.use_sandbox)
            with one_engine_per_gradebook():
                return self._run(engine, submissions)
        finally:
            if self.engine is None:
                engine.close()

    def _run(self, engine, submissions: list[Submission]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        progress = _progress_bar(len(submissions), self.show_progress)
        todo = []
        for submission in submissions:
            if not self.force and self.classcourse.is_graded(submission):
                outcomes.append(read_outcome(self.root, submission))
                progress(outcomes[-1])
            else:
                todo.append(submission)
        # A bounded window of tasks in flight: sanitized notebooks wait here, not in the cluster's memory.
        waiting, running = iter(todo), {}
        try:
            while True:
                while len(running) < 2 * engine.capacity():
                    submission = next(waiting, None)
                    if submission is None:
                        break
                    started = self.start(engine, submission)
                    if isinstance(started, Outcome):
                        outcomes.append(started)
                        progress(started)
                    elif started is not None:
                        running[started] = submission
                if not running:
                    break
                for future in engine.wait(running):
                    submission = running.pop(future)
                    outcome, worker = self.finish(engine, submission, future)
                    if outcome is not None:
                        outcomes.append(outcome)
                        progress(outcome, worker)
        except BaseException:
            engine.close(cancel=True)  # what was recorded stays; the rest is graded by the next run
            raise
        finally:
            progress(None)
            write_grades_csv(self.root)
        order = {id(s): i for i, s in enumerate(submissions)}
        return sorted(outcomes, key=lambda o: order.get(id(o.submission), len(order)))

    def start(self, engine, submission: Submission):
        """Step 2 here, then steps 3 and 4 sent to the engine: its future (an Outcome if there is nothing to run)."""
        with _stopwatch(self):
            return self._start(engine, submission)

    def _start(self, engine, submission: Submission):
        try:
            prepared = self.sanitize(submission)
            if isinstance(prepared, Outcome):
                return prepared
            return engine.submit(grade_task, nbformat.writes(prepared), self.shared_data(engine, submission))
        except Exception:
            self.grader_fault(submission)
            return None

    def finish(self, engine, submission: Submission, future) -> tuple[Outcome | None, str | None]:
        """Steps 5 and 6 here, from the engine's answer: (outcome or None if the grader failed on it, worker)."""
        with _stopwatch(self):
            return self._finish(engine, submission, future)

    def _finish(self, engine, submission: Submission, future) -> tuple[Outcome | None, str | None]:
        try:
            answer = json.loads(engine.result(future))
        except Exception:
            if engine.lost():
                raise GraderError(f"lost {engine.name} (its scheduler went away): what was graded is kept; "
                                  f"run the same command again to grade the rest") from None
            self.grader_fault(submission)  # e.g. Dask's KilledWorker: the task killed every worker it ran on
            return None, None
        worker = answer.get("worker")
        if "refused" in answer:
            raise GraderError(answer["refused"] + "; nothing more was sent (rerun when every worker has a sandbox)")
        if "fault" in answer:
            self.grader_fault(submission, f"on {worker}:\n{answer['fault']}")
            return None, worker
        try:
            return self.record_report(submission, answer["graded"], worker), worker
        except Exception:
            self.grader_fault(submission)
            return None, worker

    def shared_data(self, engine, submission: Submission):
        """What every task of one notebook needs, sent to the engine once."""
        key = (submission.assignment, submission.notebook)
        if key not in self.shared:
            source = self.classcourse.source(*key)
            settings = {"student_names": student_names(source)[0], "preload": imported_modules(source)}
            release = self.root / "release" / submission.assignment
            extra = {str(relative): (release / relative).read_bytes()
                     for relative in self.classcourse.extra_files(submission.assignment)}
            self.shared[key] = engine.share(assignment_data(source, settings, extra, self.limits, self.use_sandbox))
        return self.shared[key]

    # -- the steps, one method each --------------------------------------------------------

    def sanitize(self, submission: Submission):
        """Step 2: an Outcome for a missing or unusable notebook, else the sanitized one."""
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

    def record_report(self, submission: Submission, graded: dict, worker: str | None) -> Outcome:
        """Steps 5 and 6, from what steps 3 and 4 answered (work.grade_task)."""
        notebook = nbformat.from_dict(graded["notebook"])
        verdicts = {grade_id: Verdict(grade_id, *fields) for grade_id, fields in graded["verdicts"].items()}
        scores, seconds_late, penalty = record_scores(self.classcourse.db_url, submission, notebook, self.late_penalty)
        autograded = self.root / "autograded" / submission.student / submission.assignment / f"{submission.notebook}.ipynb"
        write_atomically(autograded, nbformat.writes(notebook))
        messages = {grade_id: verdict.message for grade_id, verdict in verdicts.items()}
        outcome = Outcome(submission, graded["status"], round(graded["seconds"], 2), _results(scores, messages),
                          seconds_late=seconds_late, late_penalty=penalty)
        lines = [f"status: {graded['status']}", f"seconds: {graded['seconds']:.2f}", f"restarts: {graded['restarts']}",
                 *([f"graded on: {worker}"] if worker and worker != "this machine" else []),
                 *graded["events"], "tests (full messages: for instructors only):"]
        for grade_id, verdict in verdicts.items():
            lines.append(f"  {'pass' if verdict.passed else 'FAIL'} {grade_id} ({verdict.how}) {verdict.detail or ''}".rstrip())
        if graded["withheld"]:
            lines.append(f"feedback: outputs of code cells {graded['withheld']} withheld (they ran after hidden tests)")
        if graded["status"] != "ok" and graded["kernel_log"]:
            lines += ["kernel output (last lines):", *graded["kernel_log"].splitlines()]
        self.report(outcome, lines, notebook)
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

    def grader_fault(self, submission: Submission, text: str | None = None) -> None:
        """No result for this submission (a rerun retries it); the traceback goes to an error log."""
        self.failures.append(submission)
        log = self.root / "logs" / submission.student / f"{submission.name}.error.log"
        write_atomically(log, text or traceback.format_exc())


HAND_GRADED = "to be graded by hand"


class _stopwatch:
    """Adds the seconds of a `with` block to pipeline.seconds_here."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.pipeline.seconds_here += time.perf_counter() - self.start


def _results(scores: list[TestScore], messages: dict[str, str | None]) -> list[TestResult]:
    return [TestResult(s.name, s.score, s.max_score, None if s.score >= s.max_score else
                       HAND_GRADED if s.manual else (messages.get(s.name) or "the test did not earn its points"),
                       s.manual) for s in scores]


def _progress_bar(total: int, enabled: bool):
    """tqdm's bar on stderr (silent when stderr is not a terminal); call with each Outcome, then None.

    With several workers (a Dask cluster) it also shows each one's throughput, in notebooks per minute.
    """
    from tqdm import tqdm

    bar = tqdm(total=total, unit="notebook", disable=None if enabled else True, dynamic_ncols=True)
    start, per_worker = time.monotonic(), {}

    def update(outcome: Outcome | None, worker: str | None = None) -> None:
        if outcome is None:
            bar.close()
            return
        s = outcome.submission
        text = f"{s.student}/{s.name}: {outcome.status}"
        if worker and worker != "this machine":
            per_worker[worker] = per_worker.get(worker, 0) + 1
            minutes = max(time.monotonic() - start, 1.0) / 60
            busiest = sorted(per_worker.items(), key=lambda item: -item[1])
            shown = ", ".join(f"{name.rpartition('/')[2]} {n / minutes:.1f}/min" for name, n in busiest[:3])
            more = f" +{len(busiest) - 3} workers" if len(busiest) > 3 else ""
            text += f" | {shown}{more}"
        bar.set_postfix_str(text, refresh=False)
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
