"""Keeps nbgrader's own tools safe and in step on a graded folder (grader autograde --out DIR).

DIR/nbgrader_config.py (written by classcourse.py) configures nbgrader with these:

* `ReleasedTestsOnly`, first in GenerateFeedback's preprocessors: formgrader's
  "Generate Feedback" button and `nbgrader generate_feedback` build their pages
  from DIR/autograded/, whose test cells hold the hidden tests; this shows each
  test cell as the released exercise shows it (feedback.student_view), the
  same rule as `grader feedback`.  Without DIR/release/ it hides every test.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from .feedback import student_view
from .notebooks import read_notebook


class ReleasedTestsOnly(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        # nbconvert's metadata path is the notebook's folder: DIR/autograded/<student>/<assignment>.
        root = Path(resources["metadata"]["path"]).resolve().parents[2]
        release = root / "release" / info["assignment"] / f"{info['notebook']}.ipynb"
        return student_view(nb, read_notebook(release) if release.is_file() else None), resources
