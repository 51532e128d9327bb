"""`grader autograde`: a class's submissions, graded in sandboxes, into nbgrader's gradebook.

The pipeline for one submission, each step small:

  1. collect      find <student>/<assignment>/<notebook>.ipynb (a folder, or a zip
                  from a learning-management system);
  2. sanitize     nbgrader's own preprocessors restore the hidden tests, kernel
                  and cell metadata from the gradebook (edited, deleted or
                  duplicated test cells and forged points change nothing);
  3. execute      the notebook runs with its kernel in a sandbox (execute.py);
  4. judge        each test's verdict is decided here by replaying it against
                  the values recorded in the sandbox (replay.py);
  5. record       nbgrader's SaveAutoGrades writes the scores to the gradebook,
                  so `nbgrader export` and formgrader see them;
  6. report       feedback HTML, a log, and last the result file, written
                  atomically: its presence means "this submission is graded".

Steps 1, 2, 4, 5 and 6 run in this process, one submission at a time (the
gradebook is SQLite); step 3 runs for up to --jobs submissions at once.  A
rerun skips every submission whose result file matches the submission and
the assignment's source (same bytes), so a run killed at any point resumes
where it stopped, and nothing half-written is ever taken for a grade.
"""

from __future__ import annotations

import copy
import csv
import functools
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import GraderError, sandbox
from .course import Course
from .execute import Execution, error_output, execute, is_test
from .feedback import feedback_html
from .notebooks import grade_cells, nbgrader_meta, read_notebook
from .replay import imported_modules, replay, student_names
from .workspace import Workspace, _prepare_nbgrader, first_error

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
MAX_NOTEBOOK_BYTES = 20 * 2**20
STATUSES = ("ok", "timeout", "memory", "kernel_died", "invalid_notebook", "missing")
CSV_FIELDS = ("student_id", "assignment", "score", "max_score", "status", "seconds")


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    notebook: str  # the assignment's notebook name, without .ipynb
    path: Path | None  # None: missing


# -- 1. collect ---------------------------------------------------------------------

def collect(course: Course, source: Path, into: Path, assignments: list[str] | None = None,
            name_pattern: str | None = None) -> list[Submission]:
    """Every (student, assignment) pair found, copied under `into` (DIR/submitted).

    A folder is laid out <student>/<assignment>/<notebook>.ipynb.  A zip may
    hold that layout (under one top folder or not) or flat files named as an
    LMS names downloads, e.g. `jsmith_1234_5678_matmul.ipynb`: the student is
    what comes before the first underscore and the notebook what the name ends
    with, or give nbgrader zip_collect's `named_regexp` with groups
    (?P<student_id>...) and (?P<file_id>...) as name_pattern.
    """
    source = Path(source)
    if not source.exists():
        raise GraderError(f"no such folder or zip: {source}")
    wanted = assignments or course.assignments()
    notebooks = {course.source_notebooks(a)[0].stem: a for a in wanted}
    found: dict[tuple[str, str], bytes | Path | None] = {}
    if source.is_dir():
        for student_dir in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for assignment in wanted:
                notebook = course.source_notebooks(assignment)[0].stem
                path = student_dir / assignment / f"{notebook}.ipynb"
                if (student_dir / assignment).is_dir() or path.exists():
                    found[(student_dir.name, assignment)] = path if path.exists() else None
    elif zipfile.is_zipfile(source):
        found = _from_zip(source, notebooks, name_pattern)
    else:
        raise GraderError(f"{source} is neither a folder nor a zip file")
    submissions = []
    for (student, assignment), content in sorted(found.items()):
        if not STUDENT_ID.match(student):
            logging.getLogger("grader").warning("skipping unusable student id %r", student)
            continue
        notebook = course.source_notebooks(assignment)[0].stem
        target = into / student / assignment / f"{notebook}.ipynb"
        if content is None:
            submissions.append(Submission(student, assignment, notebook, None))
            continue
        data = content.read_bytes() if isinstance(content, Path) else content
        if not target.exists() or target.read_bytes() != data:
            _write_atomically(target, data)
        submissions.append(Submission(student, assignment, notebook, target))
    return submissions


def _from_zip(source: Path, notebooks: dict[str, str], name_pattern: str | None) -> dict:
    found = {}
    pattern = re.compile(name_pattern) if name_pattern else None
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not name.endswith(".ipynb") or "__MACOSX" in name:
                continue
            if info.file_size > MAX_NOTEBOOK_BYTES:
                logging.getLogger("grader").warning("skipping %s: larger than %d bytes", name, MAX_NOTEBOOK_BYTES)
                continue
            key = _zip_key(name, notebooks, pattern)
            if key is not None:
                found[key] = archive.read(info)  # read into memory: no path from the zip touches the disk
    return found


def _zip_key(name: str, notebooks: dict[str, str], pattern) -> tuple[str, str] | None:
    parts = [p for p in name.split("/") if p]
    filename = parts[-1]
    if pattern is not None:
        match = pattern.match(filename)
        if match and match.group("file_id").removesuffix(".ipynb") in notebooks:
            return match.group("student_id"), notebooks[match.group("file_id").removesuffix(".ipynb")]
        return None
    if len(parts) >= 3 and parts[-2] in notebooks.values() and filename[:-6] in notebooks:
        return parts[-3], parts[-2]  # <student>/<assignment>/<notebook>.ipynb
    for notebook, assignment in sorted(notebooks.items(), key=lambda item: -len(item[0])):
        if filename.endswith(f"_{notebook}.ipynb"):
            return filename.split("_", 1)[0], assignment
    return None


def _write_atomically(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data.encode() if isinstance(data, str) else data)
    os.replace(temporary, path)


# -- the class's nbgrader course --------------------------------------------------------

class ClassCourse:
    """DIR as an nbgrader course (source/, submitted/, autograded/, gradebook.db) plus our outputs."""

    def __init__(self, course: Course, out: Path, limits: sandbox.Limits):
        self.course, self.root, self.limits = course, Path(out).resolve(), limits
        self.workspaces: dict[str, Workspace] = {}

    def prepare(self, assignments: list[str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "nbgrader_config.py").write_text(
            "# Written by `grader autograde`: lets `nbgrader export` and formgrader read this gradebook.\n"
            "c = get_config()  # noqa\nc.CourseDirectory.course_id = 'course'\n"
            f"c.CourseDirectory.root = {str(self.root)!r}\n")
        for assignment in assignments:
            workspace = Workspace(self.course, assignment, self.root)
            if self.source_key(assignment) != self._generated_key(assignment):
                shutil.rmtree(self.root / "release" / assignment, ignore_errors=True)
                workspace.generate()
                (self.root / "source" / assignment / ".generated").write_text(self.source_key(assignment))
            self.workspaces[assignment] = workspace

    def _generated_key(self, assignment: str) -> str | None:
        marker = self.root / "source" / assignment / ".generated"
        return marker.read_text() if marker.exists() else None

    @functools.cache
    def source_key(self, assignment: str) -> str:
        """sha256 of the assignment's source notebooks (read once per run: they do not change during it)."""
        digest = hashlib.sha256()
        for path in self.course.source_notebooks(assignment):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    @property
    def db_url(self) -> str:
        return next(iter(self.workspaces.values())).api.coursedir.db_url

    def result_path(self, submission: Submission) -> Path:
        return self.root / "results" / submission.student / f"{submission.assignment}.json"

    def key(self, submission: Submission) -> str:
        digest = hashlib.sha256(self.source_key(submission.assignment).encode())
        digest.update(submission.path.read_bytes() if submission.path else b"<missing>")
        digest.update(repr(self.limits).encode())
        return digest.hexdigest()

    def is_graded(self, submission: Submission) -> bool:
        path = self.result_path(submission)
        try:
            return json.loads(path.read_text()).get("key") == self.key(submission)
        except (OSError, ValueError):
            return False


# -- 2. sanitize -------------------------------------------------------------------------

def resources_for(classcourse: ClassCourse, submission: Submission) -> dict:
    return {"nbgrader": {"student": submission.student, "assignment": submission.assignment,
                         "notebook": submission.notebook, "db_url": classcourse.db_url}}


def register(classcourse: ClassCourse, submission: Submission) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(classcourse.db_url, "course") as gradebook:
        gradebook.update_or_create_student(submission.student)
        gradebook.update_or_create_submission(submission.assignment, submission.student)


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
        if grade_id in seen or not (cell.cell_type == "code" and nbgrader_meta(cell).get("grade")):
            continue
        earlier = [g for g in order[:order.index(grade_id)] if g in seen]
        position = len(notebook.cells)
        if earlier:
            position = 1 + next(i for i, c in enumerate(notebook.cells) if nbgrader_meta(c).get("grade_id") == earlier[-1])
        notebook.cells.insert(position, copy.deepcopy(cell))
        seen.add(grade_id)
    return notebook


def sanitize(classcourse: ClassCourse, submission: Submission, notebook, source) -> nbformat.NotebookNode:
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec

    notebook = restore_nbgrader_cells(notebook, source)
    resources = resources_for(classcourse, submission)
    for step in (ClearOutput(), DeduplicateIds(), OverwriteKernelspec(), OverwriteCells(),
                 CheckCellMetadata()):
        notebook, resources = step.preprocess(notebook, resources)
    return notebook


# -- 4. judge ----------------------------------------------------------------------------------

def judge(executed: Execution, source) -> dict:
    """Apply the trusted verdicts to the executed notebook's test cells; return them."""
    notebook = executed.notebook
    sandbox_errors = {gid: first_error(cell, None) for gid, cell in grade_cells(notebook).items()}
    verdicts = replay(notebook, source, executed.transcripts, sandbox_errors)
    for grade_id, cell in grade_cells(notebook).items():
        verdict = verdicts.get(grade_id)
        # A test cell's outputs are reduced to its verdict: no stderr noise, no
        # execute_result read as partial credit, nothing the kernel forged.
        if verdict is None or not verdict.passed:
            message = verdict.error if verdict else "GradingError: the test did not run"
            ename, _, evalue = (message or "Error: failed").partition(": ")
            cell.outputs = [error_output(ename, evalue)]
        else:
            cell.outputs = []
    return verdicts


# -- 5. record -------------------------------------------------------------------------------

def record_scores(classcourse: ClassCourse, submission: Submission, notebook) -> tuple[float, float]:
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveAutoGrades

    SaveAutoGrades().preprocess(notebook, resources_for(classcourse, submission))
    with Gradebook(classcourse.db_url, "course") as gradebook:
        graded = gradebook.find_submission_notebook(submission.notebook, submission.assignment, submission.student)
        return float(graded.score), float(graded.max_score)


def record_zero(classcourse: ClassCourse, submission: Submission) -> tuple[float, float]:
    """A missing or unreadable notebook: every test scores 0 (as nbgrader does for missing files)."""
    from nbgrader.api import Gradebook

    with Gradebook(classcourse.db_url, "course") as gradebook:
        graded = gradebook.find_submission_notebook(submission.notebook, submission.assignment, submission.student)
        for grade in graded.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        gradebook.db.commit()
        return float(graded.score), float(graded.max_score)


# -- the run -----------------------------------------------------------------------------------

@dataclass
class Outcome:
    submission: Submission
    status: str
    score: float
    max_score: float
    seconds: float
    reused: bool = False


class Autograder:
    def __init__(self, course: Course, out: Path, limits: sandbox.Limits, jobs: int, force: bool = False,
                 use_sandbox: bool = True, progress=None):
        self.course, self.limits, self.jobs, self.force = course, limits, max(1, jobs), force
        self.classcourse = ClassCourse(course, out, limits)
        self.use_sandbox = use_sandbox
        self.progress = progress or (lambda outcome, done, total: None)
        self.sources, self.harness_settings, self.releases = {}, {}, {}
        self.failures: list[Submission] = []  # not graded because of an error in the grader itself

    def run(self, submissions: list[Submission]) -> list[Outcome]:
        _prepare_nbgrader()
        assignments = sorted({s.assignment for s in submissions})
        self.classcourse.prepare(assignments)
        self.sources = {a: read_notebook(self.course.source_notebooks(a)[0]) for a in assignments}
        # Parsed here, once: CPython 3.11's ast.parse is not safe to call from several threads at once.
        self.harness_settings = {a: {"student_names": student_names(nb)[0], "preload": imported_modules(nb)}
                                 for a, nb in self.sources.items()}
        outcomes, todo = [], []
        for submission in submissions:
            if not self.force and self.classcourse.is_graded(submission):
                outcomes.append(self._reused(submission))
            else:
                todo.append(submission)
        total = len(submissions)
        for outcome in outcomes:
            self.progress(outcome, len(outcomes), total)
        slots = list(range(self.jobs))
        slot_lock = threading.Lock()

        def run_one(prepared):
            with slot_lock:
                slot = slots.pop()
            try:
                return self._execute(prepared, slot)
            finally:
                with slot_lock:
                    slots.append(slot)

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = []
            for submission in todo:
                prepared = self._prepare(submission)
                if isinstance(prepared, Outcome):
                    outcomes.append(prepared)
                    self.progress(prepared, len(outcomes), total)
                else:
                    futures.append((submission, pool.submit(run_one, prepared)))
            for submission, future in futures:
                try:
                    outcome = self._finish(*future.result())
                except Exception:  # a fault of the grader, not the student: no result, so a rerun retries
                    self.failures.append(submission)
                    log = self.classcourse.root / "logs" / submission.student / f"{submission.assignment}.error.log"
                    _write_atomically(log, traceback.format_exc())
                    continue
                outcomes.append(outcome)
                self.progress(outcome, len(outcomes), total)
        self.write_csv()
        return outcomes

    def _reused(self, submission: Submission) -> Outcome:
        data = json.loads(self.classcourse.result_path(submission).read_text())
        return Outcome(submission, data["status"], data["score"], data["max_score"], data["seconds"], reused=True)

    def _prepare(self, submission: Submission):
        """Steps 1-2 (main thread): an Outcome for a missing/invalid notebook, else what to execute."""
        register(self.classcourse, submission)
        if submission.path is None:
            return self._finish_without_run(submission, "missing", f"no notebook {submission.notebook}.ipynb was submitted")
        try:
            notebook = read_notebook(submission.path)
            notebook = sanitize(self.classcourse, submission, notebook, self.sources[submission.assignment])
        except GraderError as error:
            return self._finish_without_run(submission, "invalid_notebook", str(error))
        except Exception as error:  # nbgrader refuses the notebook (e.g. broken cell metadata)
            return self._finish_without_run(submission, "invalid_notebook", f"{type(error).__name__}: {error}")
        return submission, notebook

    def _execute(self, prepared, slot: int):
        """Step 3 (worker thread)."""
        submission, notebook = prepared
        from .harness import cell_hash

        config = {"test_cells": {cell_hash(c.source): nbgrader_meta(c)["grade_id"] for c in notebook.cells if is_test(c)},
                  **self.harness_settings[submission.assignment]}
        # A short path of its own: the kernel's Unix sockets live there (at most 107 bytes of path).
        workdir = Path(tempfile.mkdtemp(prefix="grader-"))
        executed = execute(notebook, workdir, config, self.limits, slot=slot, use_sandbox=self.use_sandbox)
        return submission, executed

    def _finish(self, submission: Submission, executed: Execution) -> Outcome:
        """Steps 4-6 (main thread)."""
        try:
            verdicts = judge(executed, self.sources[submission.assignment])
        finally:
            shutil.rmtree(executed.transcripts.parent, ignore_errors=True)  # holds hidden inputs: keep nothing
        score, max_score = record_scores(self.classcourse, submission, executed.notebook)
        autograded = self.classcourse.root / "autograded" / submission.student / submission.assignment / f"{submission.notebook}.ipynb"
        _write_atomically(autograded, nbformat.writes(executed.notebook))
        outcome = Outcome(submission, executed.status, score, max_score, round(executed.seconds, 2))
        lines = [f"status: {executed.status}", f"seconds: {executed.seconds:.2f}", f"restarts: {executed.restarts}",
                 *executed.events, "tests:"]
        for grade_id, verdict in verdicts.items():
            how = "replayed outside the sandbox" if verdict.replayed else "sandbox verdict"
            lines.append(f"  {'pass' if verdict.passed else 'FAIL'} {grade_id} ({how}) {verdict.error or ''}".rstrip())
        if executed.status != "ok" and executed.kernel_log:
            lines += ["kernel output (last lines):", *executed.kernel_log.splitlines()]
        self._report(outcome, lines, feedback_html(executed.notebook, self.release_of(submission), outcome))
        return outcome

    def _finish_without_run(self, submission: Submission, status: str, why: str) -> Outcome:
        score, max_score = record_zero(self.classcourse, submission)
        outcome = Outcome(submission, status, score, max_score, 0.0)
        self._report(outcome, [f"status: {status}", why], feedback_html(None, self.release_of(submission), outcome, why))
        return outcome

    def release_of(self, submission: Submission):
        if submission.assignment not in self.releases:
            path = self.classcourse.root / "release" / submission.assignment / f"{submission.notebook}.ipynb"
            self.releases[submission.assignment] = read_notebook(path)
        return self.releases[submission.assignment]

    def _report(self, outcome: Outcome, log_lines: list[str], html: str) -> None:
        """Step 6: feedback and log, then the result file that marks the submission graded."""
        s = outcome.submission
        root = self.classcourse.root
        _write_atomically(root / "feedback" / s.student / f"{s.assignment}.html", html)
        _write_atomically(root / "logs" / s.student / f"{s.assignment}.log", "\n".join(log_lines) + "\n")
        result = {"student_id": s.student, "assignment": s.assignment, "score": outcome.score,
                  "max_score": outcome.max_score, "status": outcome.status, "seconds": outcome.seconds,
                  "key": self.classcourse.key(s), "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        _write_atomically(self.classcourse.result_path(s), json.dumps(result, indent=1))

    def write_csv(self) -> Path:
        return write_grades_csv(self.classcourse.root)


def write_grades_csv(root: Path) -> Path:
    """DIR/grades.csv from every result file in DIR/results (atomically)."""
    rows = []
    for path in sorted((Path(root) / "results").glob("*/*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        rows.append({field: data[field] for field in CSV_FIELDS})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["student_id"], r["assignment"])))
    _write_atomically(Path(root) / "grades.csv", buffer.getvalue())
    return Path(root) / "grades.csv"


def regenerate_feedback(root: Path) -> list[Path]:
    """DIR/feedback/<student>/<assignment>.html again, from the autograded notebooks and results in DIR."""
    root, pages = Path(root), []
    for path in sorted((root / "results").glob("*/*.json")):
        data = json.loads(path.read_text())
        student, assignment = data["student_id"], data["assignment"]
        (release,) = sorted((root / "release" / assignment).glob("*.ipynb"))
        graded = root / "autograded" / student / assignment / release.name
        submission = Submission(student, assignment, release.stem, graded if graded.exists() else None)
        outcome = Outcome(submission, data["status"], data["score"], data["max_score"], data["seconds"])
        notebook = read_notebook(graded) if graded.exists() else None
        why = None if notebook is not None else f"status: {data['status']}"
        page = root / "feedback" / student / f"{assignment}.html"
        _write_atomically(page, feedback_html(notebook, read_notebook(release), outcome, why))
        pages.append(page)
    return pages


class ProgressBar:
    """One line on a terminal, redrawn in place; silent when stderr is not a terminal."""

    def __init__(self, stream=sys.stderr, width: int = 30):
        self.stream, self.width, self.start = stream, width, time.monotonic()
        self.tty = stream.isatty()

    def __call__(self, outcome: Outcome, done: int, total: int) -> None:
        if not self.tty:
            return
        filled = int(self.width * done / max(total, 1))
        bar = "#" * filled + "-" * (self.width - filled)
        s = outcome.submission
        self.stream.write(f"\r[{bar}] {done}/{total}  {time.monotonic() - self.start:5.0f} s  "
                          f"{s.student}/{s.assignment}: {outcome.status}\033[K")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()
