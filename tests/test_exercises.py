"""Every exercise is honest: `grader verify`, one assignment per test so they grade in parallel.

For each assignment: the release is current and leaks nothing; the solution scores
full marks and the released stub zero; every correct_* planted submission scores
full and every wrong_* one loses marks on the tests it names, with one-line
failure messages that never show hidden-test code or compared arrays.  The
planted set is graded once per run, by the pipeline that grades students, so
this is also the test that `grader check`, `verify` and `autograde` agree.
"""

from pathlib import Path

import pytest

from grader.course import Course
from grader.notebooks import read_notebook
from grader.release import secret_lines
from grader.verify import verify

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = Course(ROOT).assignments()


def test_every_exercise_is_present():
    """One slug per exercise, starting with its chapter's number: chapter, exercise, solution and tests share it."""
    assert ASSIGNMENTS == [
        "01-alexnet", "01-convolution", "02-backprop", "03-resnet", "04-matmul", "05-attention", "05-bpe",
        "05-kv-cache", "05-normalisation", "06-scaling", "08-flash-attention", "09-mamba-step", "09-selective-scan",
        "10-hybrid-stack", "10-hybrids", "10-moe",
    ]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercise_is_honest(course, assignment):
    result = verify(course, [assignment])
    failed = [f for f in result.findings if not f.ok]
    assert not failed, "\n".join(f"{f.check} ({f.detail})" for f in failed)

    planted, reports = result.planted[assignment], result.reports[assignment]
    assert sum(not p.should_pass for p in planted) >= 8
    assert sum(p.should_pass for p in planted) >= 2
    for p in planted:
        report = reports[p.label]
        failed_tests = {t.name for t in report.tests if not t.passed}
        if p.should_pass:
            assert report.score == report.max_score, f"{p.path.name} failed {failed_tests}"
        else:
            assert report.score < report.max_score, f"{p.path.name} scored full marks"
            assert set(p.must_fail) <= failed_tests, f"{p.path.name} passed {set(p.must_fail) - failed_tests}"

    if assignment == "05-bpe":  # the score test_grader's `grader check` must give the same planted answer
        from test_grader import PLANTED_BPE

        name, score = PLANTED_BPE
        report = next(reports[p.label] for p in planted if p.path.name == name)
        assert f"{report.score:g} / {report.max_score:g}" == score

    source = course.notebook(assignment)
    shown = (course.exercises / assignment / source.name).read_text()
    secrets = {line for line in secret_lines(read_notebook(source)) if line not in shown}  # part of a visible line: public
    for report in reports.values():
        for test in report.tests:
            if test.passed:
                continue
            assert test.message and "Traceback" not in test.message and "\n" not in test.message, test
            assert "x: array" not in test.message, f"{test.name} shows compared arrays"
            for line in secrets:
                assert line not in test.message, f"{test.name} message shows hidden line {line!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_is_named_by_a_planted_wrong_answer(course, assignment):
    """Each graded test has a planted wrong answer that must fail it: no test goes unchecked (static, fast)."""
    from grader.notebooks import grade_cells
    from grader.planted import planted_submissions

    tests = set(grade_cells(read_notebook(course.notebook(assignment))))
    named = {name for p in planted_submissions(course, assignment) if not p.should_pass for name in p.must_fail}
    assert tests <= named, f"no planted wrong answer names {sorted(tests - named)}"


def test_a_planted_section_replaces_one_function_class_or_method():
    """`# %% <grade_id> <name>` swaps one top-level definition, `<Class>.<method>` one method, indented or not."""
    from grader.planted import replace_definition

    code = "class A:\n    '''doc'''\n\n    def f(self):\n        return 1\n\n    def g(self):\n        return 2\n\n\ndef h():\n    return 3\n"
    indented = replace_definition(code, "A.f", "    def f(self):\n        return 10\n")
    assert indented == code.replace("return 1\n", "return 10\n")
    assert replace_definition(code, "A.f", "def f(self):\n    return 10\n") == indented
    assert replace_definition(code, "h", "def h():\n    return 30\n") == code.replace("return 3\n", "return 30\n")
    with pytest.raises(Exception, match="no A's definition 'z'"):
        replace_definition(code, "A.z", "def z(self):\n    pass\n")
    with pytest.raises(Exception, match="no top-level class 'B'"):
        replace_definition(code, "B.f", "def f(self):\n    pass\n")
