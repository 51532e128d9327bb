"""The course's grader: nbgrader, made safe and pleasant for self-study and classes.

`check`, `verify` and `autograde` run one pipeline of small steps (pipeline.py);
nbgrader releases the exercises and keeps the gradebook, the sandbox runs the
student's kernel, and the tests run in this trusted process (remote.py).
"""

class GraderError(Exception):
    """A problem the user can fix; the CLI prints its message without a traceback."""
