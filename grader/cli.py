"""The `grader` command line: one small class per subcommand, registered in COMMANDS."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import GraderError
from .course import find_course
from .sandbox import Limits

DEFAULTS = Limits()  # the CLI's defaults are the sandbox's limits, stated once


class Release:
    """Regenerate exercises/ (the student notebooks) from solutions/ (with --course DIR: DIR/release/ from DIR/source/)."""

    name = "release"

    def add_arguments(self, parser):
        parser.add_argument("assignment", nargs="?", help="e.g. 04-matmul (default: all)")

    def run(self, args) -> int:
        from .release import release

        course = find_course(course_dir=args.course)
        for assignment in [args.assignment] if args.assignment else course.assignments():
            for path in release(course, course.check_assignment(assignment)):
                print(f"released {path.relative_to(course.root)}")
        return 0


class Check:
    """Grade your notebook against the hidden tests (self-study)."""

    name = "check"

    def add_arguments(self, parser):
        parser.add_argument("notebook", type=Path, help="e.g. exercises/04-matmul/matmul.ipynb")
        parser.add_argument("--assignment", help="which assignment it is (default: from its folder)")
        parser.add_argument("--timeout", type=int, default=DEFAULTS.cell_timeout,
                            help=f"seconds allowed per cell (default {DEFAULTS.cell_timeout})")

    def run(self, args) -> int:
        from . import sandbox
        from .grading import check_notebook, format_report

        course = find_course(course_dir=args.course)
        ok, why = sandbox.available()
        where = "in a sandbox" if ok else f"on this machine without a sandbox ({why})"
        print(f"checking {args.notebook} against the hidden tests; your code runs {where}", file=sys.stderr)
        outcome = check_notebook(course, args.notebook, args.assignment, cell_timeout=args.timeout, use_sandbox=ok)
        print("\n".join(format_report(outcome)))
        return 0


class Verify:
    """Check every exercise: solution full, release 0, planted answers, no leaks."""

    name = "verify"

    def add_arguments(self, parser):
        parser.add_argument("assignment", nargs="*", help="default: all")

    def run(self, args) -> int:
        from .verify import verify

        course = find_course(course_dir=args.course)
        result = verify(course, [course.check_assignment(a) for a in args.assignment] or None)
        for finding in result.findings:
            mark = "ok  " if finding.ok else "FAIL"
            detail = f"  ({finding.detail})" if finding.detail else ""
            print(f"{mark}  {finding.assignment}: {finding.check}{detail}")
        print("verify: all checks passed" if result.ok else "verify: some checks FAILED")
        return 0 if result.ok else 1


class Autograde:
    """Grade a class's submissions in sandboxes: grades.csv, feedback, gradebook."""

    name = "autograde"

    def add_arguments(self, parser):
        parser.add_argument("submissions", type=Path, help="folder <student>/<assignment>/<notebook>.ipynb, or a zip")
        parser.add_argument("--out", type=Path, required=True, help="output folder (an nbgrader course: gradebook.db)")
        parser.add_argument("--assignment", action="append", help="only this assignment (repeatable; default: all)")
        parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once (default: cores)")
        parser.add_argument("--timeout", type=int, default=DEFAULTS.cell_timeout,
                            help=f"seconds per cell (default {DEFAULTS.cell_timeout})")
        parser.add_argument("--notebook-timeout", type=int, default=DEFAULTS.notebook_timeout,
                            help=f"seconds per notebook (default {DEFAULTS.notebook_timeout})")
        parser.add_argument("--memory", type=int, default=DEFAULTS.memory_mb,
                            help=f"MB of address space per sandboxed process (default {DEFAULTS.memory_mb})")
        parser.add_argument("--force", action="store_true", help="grade again what is already graded")
        parser.add_argument("--name-pattern", help="regexp with (?P<student_id>) and (?P<file_id>) for flat zips")
        parser.add_argument("--deadline", type=_deadline, help="due date, ISO 8601 (e.g. 2026-12-01T17:00, UTC "
                            "unless an offset is given): grades.csv and the gradebook say how late each submission is")
        parser.add_argument("--late-penalty", choices=("none", "zero"), default="none",
                            help="nbgrader's late-submission policy for work after --deadline (default: none)")
        parser.add_argument("--unsafe-no-sandbox", action="store_true",
                            help="run student code without a sandbox (only for code you trust)")
        parser.add_argument("--scheduler", metavar="ADDRESS", help="grade on a Dask cluster: its scheduler's address "
                            "(tcp://HOST:8786) or scheduler file; every worker needs this course and bubblewrap "
                            "(default: --jobs threads on this machine)")

    def run(self, args) -> int:
        from . import sandbox
        from .collect import collect
        from .pipeline import Pipeline

        course = find_course(course_dir=args.course)
        if args.scheduler:  # student code runs on the workers: each is asked (engines.DaskEngine.check_workers)
            ok = not args.unsafe_no_sandbox
        else:
            ok, why = sandbox.available()
            if not ok and not args.unsafe_no_sandbox:
                raise GraderError(f"{why}; refusing to run student code unsandboxed (--unsafe-no-sandbox overrides)")
        assignments = [course.check_assignment(a) for a in args.assignment] if args.assignment else None
        limits = sandbox.Limits(cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout, memory_mb=args.memory)
        out = args.out.resolve()
        submissions = collect(course, args.submissions, out / "submitted", assignments, args.name_pattern)
        if not submissions:
            raise GraderError(f"no submissions found in {args.submissions}")
        engine = None
        if args.scheduler:
            from .engines import DaskEngine

            engine = DaskEngine(args.scheduler)
            dashboard = engine.dashboard()
            print(f"grading on {engine.name}" + (f"; dashboard: {dashboard}" if dashboard else ""), flush=True)
        grader = Pipeline(course, out, limits, args.jobs, force=args.force, use_sandbox=ok, progress=True,
                          deadline=args.deadline, late_penalty=args.late_penalty, engine=engine)
        try:
            outcomes = grader.run(submissions)
        finally:
            if engine is not None:
                engine.close()
        reused = sum(o.reused for o in outcomes)
        counts = {}
        for outcome in outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        print(f"graded {len(outcomes) - reused}, kept {reused} already graded ({summary}); "
              f"grades in {out / 'grades.csv'}, feedback in {out / 'feedback'}")
        for failed in grader.failures:
            print(f"grader: could not grade {failed.student}/{failed.name} (an error in the grader: see "
                  f"{out / 'logs' / failed.student / (failed.name + '.error.log')}); rerun to retry", file=sys.stderr)
        return 1 if grader.failures else 0


def _deadline(text: str):
    """ISO 8601 -> naive UTC, as nbgrader's gradebook keeps times."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {text!r} (e.g. 2026-12-01T17:00)") from None
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


class GradedFolder:
    """Base of the commands that rework an autograde --out folder."""

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="the --out folder of grader autograde")

    def run(self, args) -> int:
        if not (args.out / "results").is_dir() or not (args.out / "release").is_dir():
            raise GraderError(f"{args.out} holds no graded results (run grader autograde --out {args.out})")
        print(self.rework(args.out))
        return 0


class Export(GradedFolder):
    """Write DIR/grades.csv again from the graded results in DIR."""

    name = "export"

    def rework(self, out: Path) -> str:
        from .report import write_grades_csv

        return f"wrote {write_grades_csv(out)}"


class Feedback(GradedFolder):
    """Write the feedback pages in DIR/feedback again from DIR's graded notebooks."""

    name = "feedback"

    def rework(self, out: Path) -> str:
        from .report import regenerate_feedback

        return f"wrote {len(regenerate_feedback(out))} feedback pages in {out / 'feedback'}"


COMMANDS = [Check(), Release(), Verify(), Autograde(), Feedback(), Export()]
COURSE_COMMANDS = {"check", "release", "verify", "autograde"}  # the ones that read assignments' sources


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="grader", description="Release, check and verify the course's exercises.")
    subparsers = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = subparsers.add_parser(command.name, help=command.__doc__, description=command.__doc__)
        command.add_arguments(sub)
        if command.name in COURSE_COMMANDS:
            sub.add_argument("--course", type=Path, metavar="DIR",
                             help="grade your own nbgrader assignments: DIR/source/<assignment>/*.ipynb "
                                  "(released into DIR/release/); default: this course's solutions/")
        sub.set_defaults(handler=command)
    return main_parser


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler.run(args)
    except GraderError as error:
        print(f"grader: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
