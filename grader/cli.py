"""The `grader` command line: one small class per subcommand, registered in COMMANDS."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import GraderError
from .course import find_course


class Release:
    """Regenerate exercises/ (the student notebooks) from solutions/."""

    name = "release"

    def add_arguments(self, parser):
        parser.add_argument("assignment", nargs="?", help="e.g. 01-matmul (default: all)")

    def run(self, args) -> int:
        from .release import release

        course = find_course()
        for assignment in [args.assignment] if args.assignment else course.assignments():
            for path in release(course, course.check_assignment(assignment)):
                print(f"released {path.relative_to(course.root)}")
        return 0


class Check:
    """Grade your notebook against the hidden tests (self-study)."""

    name = "check"

    def add_arguments(self, parser):
        parser.add_argument("notebook", type=Path, help="e.g. exercises/01-matmul/matmul.ipynb")
        parser.add_argument("--assignment", help="which assignment it is (default: from its folder)")
        parser.add_argument("--timeout", type=int, default=30, help="seconds allowed per cell (default 30)")

    def run(self, args) -> int:
        from .grading import check_notebook, format_report

        course = find_course()
        print(
            f"checking {args.notebook} against the hidden tests; "
            "your code runs on this machine as it does in Jupyter (no sandbox)",
            file=sys.stderr,
        )
        report = check_notebook(course, args.notebook, args.assignment, cell_timeout=args.timeout)
        print("\n".join(format_report(report)))
        return 0


class Verify:
    """Check every exercise: solution full, release 0, planted answers, no leaks."""

    name = "verify"

    def add_arguments(self, parser):
        parser.add_argument("assignment", nargs="*", help="default: all")

    def run(self, args) -> int:
        from .verify import verify

        course = find_course()
        result = verify(course, [course.check_assignment(a) for a in args.assignment] or None)
        for finding in result.findings:
            mark = "ok  " if finding.ok else "FAIL"
            detail = f"  ({finding.detail})" if finding.detail else ""
            print(f"{mark}  {finding.assignment}: {finding.check}{detail}")
        print("verify: all checks passed" if result.ok else "verify: some checks FAILED")
        return 0 if result.ok else 1


COMMANDS = [Check(), Release(), Verify()]


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="grader", description="Release, check and verify the course's exercises.")
    subparsers = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = subparsers.add_parser(command.name, help=command.__doc__, description=command.__doc__)
        command.add_arguments(sub)
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
