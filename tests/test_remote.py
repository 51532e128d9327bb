"""Tests run in the grader against live handles: the protocol, with the 'kernel' played in this process.

harness.serve() normally runs in the sandboxed kernel; here a fake call_kernel
runs it directly, over a namespace that stands for the student's notebook.
"""

import socket
import threading

import nbformat
import pytest

from grader import harness
from grader.remote import Channel, RemoteTests


class FakeShell:
    def __init__(self, namespace):
        self.user_ns = namespace


STUDENT = '''
class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.norm = nn.BatchNorm1d(n)
        self.linear = nn.Linear(n, n)

    def forward(self, x):
        return torch.relu(self.linear(self.norm(x)))


def double(x):
    return 2 * x


def scale_in_place(a):
    a *= 3


def big():
    return torch.arange(3 * 2**20, dtype=torch.float32)


def fail(message):
    raise ValueError(message)
'''


SETUP = "import numpy as np\nimport torch\nfrom torch import nn\n"


def remote_tests_for(test_source: str, tmp_path, monkeypatch, student: str = STUDENT, setup: str = SETUP):
    """RemoteTests over a source notebook with a given cell (setup), one answer cell (STUDENT) and one test cell."""
    namespace = {}
    exec(setup + student, namespace)
    monkeypatch.setattr(harness, "get_ipython", lambda: FakeShell(namespace), raising=False)
    source = nbformat.v4.new_notebook()
    setup = nbformat.v4.new_code_cell(setup)
    answer = nbformat.v4.new_code_cell(student)
    answer.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "answer"}
    test = nbformat.v4.new_code_cell(test_source)
    test.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": "test", "points": 1}
    source.cells = [setup, answer, test]
    remote = RemoteTests(source)
    remote.new_kernel(socket_kernel())
    return remote


def socket_kernel() -> Channel:
    """A channel whose 'kernel' is a thread of this process serving harness requests on a socket pair."""
    grader_end, kernel_end = socket.socketpair()
    threading.Thread(target=harness.serve_connection, args=(kernel_end,), daemon=True).start()
    channel = Channel("unused", lambda: True)
    channel.connection = grader_end
    return channel


def run(test_source, tmp_path, monkeypatch, student: str = STUDENT, setup: str = SETUP):
    return remote_tests_for(test_source, tmp_path, monkeypatch, student, setup).run("test", call_timeout=60, deadline=1e12)


def test_calls_return_values(tmp_path, monkeypatch):
    result = run("assert double(21) == 42\nnp.testing.assert_array_equal(double(np.ones(3)), 2)", tmp_path, monkeypatch)
    assert result.status == "passed", result.error


def test_a_failing_assertion_fails_with_its_line(tmp_path, monkeypatch):
    result = run("x = 1\nassert double(2) == 5, 'two doubled'", tmp_path, monkeypatch)
    assert (result.status, result.ename, result.lineno) == ("failed", "AssertionError", 2)


def test_the_students_exception_is_raised_as_a_builtin(tmp_path, monkeypatch):
    source = "try:\n    fail('no')\nexcept ValueError as error:\n    assert str(error) == 'no'\nelse:\n    raise AssertionError"
    assert run(source, tmp_path, monkeypatch).status == "passed"


def test_inputs_changed_by_the_student_change_in_the_test(tmp_path, monkeypatch):
    source = "a = np.ones(2)\nscale_in_place(a)\nassert a.tolist() == [3.0, 3.0]\n"
    source += "t = torch.ones(2)\nscale_in_place(t)\nassert t.tolist() == [3.0, 3.0]"
    assert run(source, tmp_path, monkeypatch).status == "passed"


def test_modules_are_live_handles(tmp_path, monkeypatch):
    source = """
block = Block(3)
assert isinstance(block, nn.Module) and isinstance(block, Block) and not isinstance(block, nn.Linear)
assert isinstance(block.linear, nn.Linear) and block.linear.out_features == 3
assert [type(m).__name__ for m in block.children()] == ["RemoteObject", "RemoteObject"]
assert {id(m) for m in block.modules()} >= {id(block.norm), id(block.linear)}  # one object, one handle
assert sum(p.numel() for p in block.parameters()) == 3 + 3 + 9 + 3
with torch.no_grad():
    block.linear.weight.copy_(torch.eye(3))   # in place: written back to the student's module
    block.linear.bias.zero_()
block.eval()
x = torch.tensor([[1.0, -2.0, 3.0]])
torch.testing.assert_close(block(x), torch.relu(x), rtol=1e-3, atol=1e-3)
torch.testing.assert_close(block.linear.weight, torch.eye(3))
"""
    result = run(source, tmp_path, monkeypatch)
    assert result.status == "passed", result.error


def test_gradients_flow_through_the_kernel(tmp_path, monkeypatch):
    source = """
block = Block(2).eval()
x = torch.tensor([[1.0, 2.0]], requires_grad=True)
block(x).sum().backward()
assert x.grad is not None and x.grad.shape == (1, 2)
grads = {name: p.grad for name, p in block.named_parameters()}
assert grads["linear.weight"] is not None
y = torch.tensor([1.0, 2.0], requires_grad=True)
double(y).sum().backward()
assert y.grad.tolist() == [2.0, 2.0]
"""
    result = run(source, tmp_path, monkeypatch)
    assert result.status == "passed", result.error


def test_large_tensors_cross_when_read(tmp_path, monkeypatch):
    source = "t = big()\nassert t.shape == (3 * 2**20,) and t.numel() == 3 * 2**20\nassert t[-1].item() == 3 * 2**20 - 1"
    result = run(source, tmp_path, monkeypatch)
    assert result.status == "passed", result.error


@pytest.mark.parametrize("argument", ["lambda x: x", "torch.ones(2).as_subclass(type('Spy', (torch.Tensor,), {}))"])
def test_what_cannot_cross_runs_in_the_kernel(tmp_path, monkeypatch, argument):
    assert run(f"double({argument})", tmp_path, monkeypatch).status == "unremotable"


GIVEN_MODEL = SETUP + """
class Affine(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.linear = nn.Linear(n, n)
"""


def test_a_model_of_the_given_code_crosses_by_value(tmp_path, monkeypatch):
    """A test builds the notebook's given model here; the kernel rebuilds it with the notebook's class."""
    student = "def apply(model, x):\n    assert type(model).__module__ != '__grader_test__'\n    return model.linear(x)\n"
    source = """
model = Affine(2)
with torch.no_grad():
    model.linear.weight.copy_(torch.eye(2))
    model.linear.bias.fill_(1.0)
    assert apply(model, torch.ones(1, 2)).tolist() == [[2.0, 2.0]]
"""
    result = run(source, tmp_path, monkeypatch, student, GIVEN_MODEL)
    assert result.status == "passed", result.error


def test_a_given_class_the_notebook_lost_is_the_students_error(tmp_path, monkeypatch):
    student = "del Affine\n\ndef apply(model, x):\n    return model.linear(x)\n"
    result = run("apply(Affine(2), torch.ones(1, 2))", tmp_path, monkeypatch, student, GIVEN_MODEL)
    assert (result.status, result.ename) == ("failed", "NameError"), result
