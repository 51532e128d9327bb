"""The grading pipeline's steps one at a time, without a kernel: collect, sanitize, judge, report."""

import copy
import zipfile

import nbformat
import pytest

from grader import GraderError, codec
from grader.collect import Submission, collect, zip_key
from grader.execute import Execution, error_output
from grader.feedback import feedback_html
from grader.judge import WITHHELD, judge
from grader.notebooks import nbgrader_meta
from grader.report import Outcome, TestResult
from grader.sanitize import restore_nbgrader_cells

NOTEBOOKS = [("04-matmul", "matmul"), ("10-hybrids", "hybrids")]


# -- collect ----------------------------------------------------------------------------

def test_lms_file_names_give_student_and_assignment():
    assert zip_key("jsmith_1234_5678_matmul.ipynb", NOTEBOOKS) == ("jsmith", "04-matmul", "matmul")
    assert zip_key("top/jsmith/10-hybrids/hybrids.ipynb", NOTEBOOKS) == ("jsmith", "10-hybrids", "hybrids")
    assert zip_key("notes_matmul.txt.ipynb", NOTEBOOKS) is None


def test_a_name_pattern_reads_flat_zips(course, tmp_path):
    import re

    pattern = re.compile(r"(?P<student_id>[a-z]+)--(?P<file_id>\w+)\.ipynb")
    assert zip_key("ada--matmul.ipynb", NOTEBOOKS, pattern) == ("ada", "04-matmul", "matmul")
    assert zip_key("ada--essay.ipynb", NOTEBOOKS, pattern) is None
    archive = tmp_path / "class.zip"
    notebook = nbformat.writes(nbformat.v4.new_notebook())
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ada--matmul.ipynb", notebook)
        zipped.writestr("bob--hybrids.ipynb", notebook)
        zipped.writestr("bob--matmul.txt", "not a notebook")
    found = collect(course, archive, tmp_path / "submitted", ["04-matmul", "10-hybrids"],
                    name_pattern=pattern.pattern)
    assert [(s.student, s.assignment) for s in found] == [("ada", "04-matmul"), ("bob", "10-hybrids")]
    assert (tmp_path / "submitted" / "ada" / "04-matmul" / "matmul.ipynb").read_text() == notebook


@pytest.mark.parametrize("pattern, message", [("(unclosed", "not a valid regular expression"),
                                              (r"(?P<student_id>\w+)\.ipynb", "needs the groups")])
def test_a_bad_name_pattern_is_a_clear_error(course, tmp_path, pattern, message):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ada--matmul.ipynb", "{}")
    with pytest.raises(GraderError, match=message):
        collect(course, archive, tmp_path / "submitted", ["04-matmul"], name_pattern=pattern)


# -- sanitize -----------------------------------------------------------------------------

def two_cell_source():
    source = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("def f(x):\n    return x\n")
    answer.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "f", "locked": False}
    test = nbformat.v4.new_code_cell("assert f(1) == 1\n")
    test.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": "test-f", "points": 2, "locked": True}
    source.cells = [answer, test]
    return source


def test_deleted_duplicated_and_forged_cells_are_restored():
    source = two_cell_source()
    submission = copy.deepcopy(source)
    submission.cells[0].metadata["nbgrader"].update(grade=True, points=100)  # forged points on an answer
    submission.cells.append(copy.deepcopy(submission.cells[1]))  # a second copy of the test
    del submission.cells[1]  # and the original deleted
    stranger = nbformat.v4.new_code_cell("x = 1")
    stranger.metadata["nbgrader"] = {"grade": True, "grade_id": "invented", "points": 50}
    submission.cells.append(stranger)
    restored = restore_nbgrader_cells(submission, source)
    metas = [nbgrader_meta(c) for c in restored.cells]
    assert metas[0] == source.cells[0].metadata["nbgrader"]  # the instructor's, not the forged one
    assert [m.get("grade_id") for m in metas] == ["f", "test-f", None]  # one test, once; the invented id dropped
    assert sum(m.get("points", 0) for m in metas if m.get("grade")) == 2


def test_a_deleted_test_is_put_back_after_the_cell_before_it():
    source = two_cell_source()
    submission = copy.deepcopy(source)
    del submission.cells[1]
    restored = restore_nbgrader_cells(submission, source)
    assert [nbgrader_meta(c).get("grade_id") for c in restored.cells] == ["f", "test-f"]


def test_a_deleted_answer_graded_by_hand_is_never_put_back_from_the_source():
    """The source holds the instructor's answer: restoring it would hand a student the solution (and its points)."""
    source = two_cell_source()
    by_hand = nbformat.v4.new_code_cell("def g(x):\n    return 2 * x  # the instructor's answer\n")
    by_hand.metadata["nbgrader"] = {"solution": True, "grade": True, "grade_id": "g", "points": 3, "locked": False}
    source.cells.append(by_hand)
    for deleted in ([2], [1, 2]):  # the answer alone, or the answer and the test before it
        submission = copy.deepcopy(source)
        for index in sorted(deleted, reverse=True):
            del submission.cells[index]
        restored = restore_nbgrader_cells(submission, source)
        assert [nbgrader_meta(c).get("grade_id") for c in restored.cells] == ["f", "test-f"]
        assert not any("instructor's answer" in c.source for c in restored.cells)


def test_metadata_that_is_not_a_mapping_is_no_nbgrader_cell():
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["nbgrader"] = 5
    assert nbgrader_meta(cell) == {}


# -- judge --------------------------------------------------------------------------------

TEST = ("assert f(1) == 1\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert f(2) == 2, f'hidden: f(2) gave {f(2)}'\n"
        "### END HIDDEN TESTS\n")


def source_with_hidden_test():
    source = two_cell_source()
    source.cells[1].source = TEST
    later = nbformat.v4.new_code_cell("print('after the tests')")
    source.cells.append(later)
    return source


def fake_execution(tmp_path, returns, reply="ok", outputs=(), printed_after="secret"):
    """An executed notebook as the sandbox would leave it, with f's calls recorded."""
    notebook = copy.deepcopy(source_with_hidden_test())
    notebook.cells[1].outputs = list(outputs)
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed_after)]
    encoder = codec.Encoder()
    calls = [{"name": "f", "args": encoder.encode([x]), "kwargs": encoder.encode({}),
              "args_after": encoder.encode([x]), "returned": encoder.encode(y)} for x, y in returns]
    transcripts = tmp_path / "transcripts"
    transcripts.mkdir()
    codec.dump(calls, encoder.arrays, transcripts / "test-f")
    return Execution(notebook, transcripts, replies={1: reply})


def test_a_correct_answer_passes_and_later_outputs_are_withheld(tmp_path):
    executed = fake_execution(tmp_path, [(1, 1), (2, 2)])
    verdicts, withheld = judge(executed, source_with_hidden_test())
    assert verdicts["test-f"].passed and verdicts["test-f"].how == "replayed outside the sandbox"
    assert withheld == [2] and executed.notebook.cells[2].outputs[0]["text"] == WITHHELD


def test_a_visible_failure_shows_the_released_line_and_nothing_the_student_returned(tmp_path):
    executed = fake_execution(tmp_path, [(1, "the hidden tests, smuggled out")],
                              outputs=[error_output("AssertionError", "")], reply="error")
    verdict = judge(executed, source_with_hidden_test())[0]["test-f"]
    assert not verdict.passed
    assert verdict.message == "AssertionError: failed at line 1 of the visible test: assert f(1) == 1"
    assert "smuggled" not in str(executed.notebook.cells[1].outputs)


def test_a_hidden_failure_says_only_that(tmp_path):
    executed = fake_execution(tmp_path, [(1, 1), (2, 3), (2, 3)], outputs=[error_output("AssertionError", "hidden: f(2) gave 3")])
    verdict = judge(executed, source_with_hidden_test())[0]["test-f"]
    assert verdict.message == "AssertionError: a hidden test failed"
    assert "hidden: f(2) gave 3" in verdict.detail  # the instructor's log keeps the message


def test_an_error_reply_fails_whatever_the_cell_displayed(tmp_path):
    executed = fake_execution(tmp_path, [(1, 1), (2, 2)], reply="error", outputs=[])  # traceback hidden
    verdict = judge(executed, source_with_hidden_test())[0]["test-f"]
    assert not verdict.passed and "hide its traceback" in verdict.message


def test_a_missing_reply_fails(tmp_path):
    executed = fake_execution(tmp_path, [(1, 1), (2, 2)])
    executed.replies.clear()
    assert not judge(executed, source_with_hidden_test())[0]["test-f"].passed


def test_a_forged_exception_name_is_not_shown(tmp_path):
    forged = error_output("assert f(2) == 2 (the hidden test)", "whatever")
    executed = fake_execution(tmp_path, [(1, 1), (2, 2)], reply="error", outputs=[forged])
    verdict = judge(executed, source_with_hidden_test())[0]["test-f"]
    assert not verdict.passed and verdict.message == "Error: the test failed in your kernel"


def test_an_unobserved_test_fails(tmp_path):
    executed = fake_execution(tmp_path, [(1, 1), (2, 2)])
    (executed.transcripts / "test-f.json").unlink()
    verdict = judge(executed, source_with_hidden_test())[0]["test-f"]
    assert not verdict.passed and verdict.message.startswith("GradingError")


# -- report ---------------------------------------------------------------------------------

def test_feedback_shows_visible_tests_and_withholds_the_rest(tmp_path):
    source = source_with_hidden_test()
    executed = fake_execution(tmp_path, [(1, 1), (2, 3), (2, 3)], outputs=[error_output("AssertionError", "hidden: f(2) gave 3")],
                              printed_after="the student's printout of the hidden test")
    verdicts, _ = judge(executed, source)
    release = copy.deepcopy(source)
    release.cells[1].source = "assert f(1) == 1\n"
    outcome = Outcome(Submission("ada", "04-matmul", "matmul", None), "ok", 1.0,
                      [TestResult("test-f", 0.0, 2.0, verdicts["test-f"].message)])
    page = feedback_html(executed.notebook, release, outcome)
    assert "assert f(1) == 1" in page and "a hidden test failed" in page
    for secret in ("f(2)", "hidden:", "printout"):
        assert secret not in page
    assert "outputs not shown" in page


def test_the_kernels_start_up_note_is_kept_out_of_the_logs():
    from grader.execute import without_startup_notes

    note = ("NOTE: When using the `ipython kernel` entry point, Ctrl-C will not work.\n\nTo exit, you will have to "
            "explicitly quit this process\n\n\nTo connect another client to this kernel, use:\n"
            "    --existing /tmp/grader-x/kernel0.json\n")
    assert without_startup_notes(note + "Segmentation fault\n" + note) == "Segmentation fault\n"
