"""The course's grader: nbgrader, made safe and pleasant for self-study and classes.

`check`, `verify` and `autograde` run one pipeline of small steps (pipeline.py);
nbgrader releases the exercises and keeps the gradebook, the sandbox runs the
student's kernel, and the tests run in this trusted process (remote.py).
"""

import sys

# nbformat validates with jsonschema, whose format checkers import rfc3987_syntax when it is installed
# (Jupyter pulls it in); that module builds some 35 Earley parsers at import, about 1 s of every grader
# process, for the "iri" formats that no notebook schema uses (python-jsonschema/jsonschema#1428).
# Marked absent, it is skipped like any missing optional checker.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

class GraderError(Exception):
    """A problem the user can fix; the CLI prints its message without a traceback."""
