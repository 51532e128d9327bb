"""The course's grader: nbgrader, made safe and pleasant for self-study and classes.

Every command is a short pipeline of small steps (see grading.py); nbgrader
does the notebook work (releasing, executing, scoring into its gradebook).
"""

class GraderError(Exception):
    """A problem the user can fix; the CLI prints its message without a traceback."""
