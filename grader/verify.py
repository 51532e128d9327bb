"""`grader verify`: every exercise is honest and its release is current.

For each assignment:
  * exercises/ matches a fresh release of solutions/, and leaks nothing;
  * graded by the very pipeline that grades students (pipeline.py), the
    solution scores full marks, the released notebook as shipped 0, every
    correct_* planted submission full, every wrong_* below full (failing the
    tests it names).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox
from .course import Course
from .grading import format_score
from .pipeline import grade_notebooks
from .planted import PlantedSubmission, build_notebooks, planted_submissions
from .release import leaked_lines, stale_notebooks
from .report import Outcome
from .classcourse import ClassCourse

MIN_WRONG = 8  # planted wrong answers each exercise must keep


@dataclass
class Finding:
    assignment: str
    check: str
    ok: bool
    detail: str = ""


@dataclass
class Verification:
    findings: list[Finding] = field(default_factory=list)
    # What was graded, kept for callers that look closer (the tests do).
    planted: dict[str, list[PlantedSubmission]] = field(default_factory=dict)
    reports: dict[str, dict[str, Outcome]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def add(self, assignment, check, ok, detail=""):
        self.findings.append(Finding(assignment, check, ok, detail))


def verify_assignment(course: Course, assignment: str, result: Verification, jobs: int | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="grader-verify-") as folder:
        # One grading folder: its release is compared with exercises/, then grades every version of the notebook.
        out = Path(folder) / "out"
        classcourse = ClassCourse(course, out, sandbox.Limits())
        classcourse.prepare([assignment])
        stale = stale_notebooks(course, assignment, classcourse.workspaces[assignment].released_notebooks())
        result.add(assignment, "exercises up to date", not stale,
                   f"stale: {', '.join(stale)}; run `grader release`" if stale else "")
        leaks = leaked_lines(course, assignment)
        result.add(assignment, "no solution or hidden-test text released", not leaks, "; ".join(leaks[:3]))
        if stale:
            return  # grading a stale release would test the wrong notebook
        sources = {path.stem: path for path in course.source_notebooks(assignment)}
        planted = planted_submissions(course, assignment)
        notebooks = {"solution": sources,
                     "released": {name: course.exercises / assignment / path.name for name, path in sources.items()}}
        notebooks.update({p.label: build_notebooks(course, assignment, p) for p in planted})
        reports = grade_notebooks(course, assignment, notebooks, out=out, jobs=jobs or os.cpu_count() or 1,
                                  use_sandbox=sandbox.available()[0])
    result.planted[assignment], result.reports[assignment] = planted, reports

    def points(report) -> tuple[float, float]:
        """Points and maximum of the automatically graded tests: answers graded by hand wait for a person."""
        tests = [t for t in report.tests if not t.manual]
        return sum(t.score for t in tests), sum(t.max_score for t in tests)

    def score_text(report):
        score, most = points(report)
        by_hand = report.max_score - most
        return f"{format_score(score)} / {format_score(most)}" + (f", {format_score(by_hand)} by hand" if by_hand else "")

    solution = reports["solution"]
    score, most = points(solution)
    result.add(assignment, "solution scores full marks", score == most > 0, score_text(solution))
    released = reports["released"]
    result.add(assignment, "released notebook scores 0", released.score == 0, score_text(released))
    for p in planted:
        report = reports[p.label]
        failed = {t.name for t in report.tests if not t.passed and not t.manual}
        score, most = points(report)
        if p.should_pass:
            ok = score == most
            detail = score_text(report) + (f"; failed {', '.join(sorted(failed))}" if failed else "")
            result.add(assignment, f"{p.path.name} scores full marks", ok, detail)
        else:
            missing = [name for name in p.must_fail if name not in failed]
            ok = score < most and not missing
            detail = score_text(report) + (f"; expected to fail {', '.join(missing)}" if missing else "")
            result.add(assignment, f"{p.path.name} scores below full", ok, detail)
    wrong = [p for p in planted if not p.should_pass]
    if not course.nbgrader_layout:  # the course's own exercises must keep them; an instructor's assignments may
        result.add(assignment, "has planted wrong submissions", len(wrong) >= MIN_WRONG,
                   f"{len(wrong)} found, {MIN_WRONG} required")


def verify(course: Course, assignments: list[str] | None = None, jobs: int | None = None) -> Verification:
    """Every check of `grader verify`; `jobs` kernels at a time (default: one per CPU)."""
    result = Verification()
    for assignment in assignments or course.assignments():
        verify_assignment(course, assignment, result, jobs=jobs)
    return result
