"""JupyterLab's nbgrader "Validate" button, made honest: it runs `grader check`.

nbgrader's own Validate runs the tests a notebook carries, which in a released
exercise are only the visible ones, and then says "Success! Your notebook
passes all the tests." for a wrong answer. On a chapter (a Markdown file) it
shows a raw JSONDecodeError. This Jupyter server extension answers the same
two requests as nbgrader's validate extension (which the project's settings
switch off, see jupyter/grader_validate.json) with the course's grading engine:

* an exercise notebook is graded by `grader check`, hidden tests included, and
  the dialog lists each failed test with its points and student-safe message;
* anything else (a chapter, a copy outside exercises/) gets one line saying
  what Validate grades.

The reply keeps nbgrader's JSON shape, so nbgrader's unmodified button shows it.

`python -m grader.lab` (run by `make venv`) installs the course's JupyterLab
settings from jupyter/ into the environment, where every `jupyter lab` of it
finds them; see jupyter/README.md.
"""

from __future__ import annotations

import asyncio
import html
import json
import shutil
import sys
from pathlib import Path

from tornado import web

from . import GraderError

NOT_AN_EXERCISE = ("Validate grades an exercise notebook (exercises/NN-slug/*.ipynb) with the hidden tests, as "
                   "`grader check` does. {name} is not one: {why}")


def validate(path: Path) -> dict:
    """nbgrader's reply for `path`: {"success": True, "value": {} or {"failed": [...]}} or an error line."""
    from . import sandbox
    from .course import find_course
    from .grading import check_notebook, format_score

    if path.suffix != ".ipynb":
        return {"success": False, "value": NOT_AN_EXERCISE.format(name=path.name, why="chapters are read and run, "
                                                                  "their exercises are graded.")}
    try:
        course = find_course(path.parent)
        assignment = course.assignment_for(path)
        outcome = check_notebook(course, path, assignment, use_sandbox=sandbox.available()[0])
    except GraderError as error:
        return {"success": False, "value": NOT_AN_EXERCISE.format(name=path.name, why=str(error))}
    failed = [{"source": f"{test.name} (hidden or visible test): {format_score(test.score)} / "
                         f"{format_score(test.max_score)} points",
               "error": html.escape(test.message or "the test did not earn its points")}
              for test in outcome.tests if not test.passed]
    if outcome.status != "ok" and not failed:
        failed = [{"source": f"status: {outcome.status}", "error": "the notebook did not run to the end"}]
    return {"success": True, "value": {"failed": failed} if failed else {}}


def _load_jupyter_server_extension(serverapp) -> None:
    from jupyter_server.base.handlers import JupyterHandler
    from jupyter_server.utils import url_path_join
    from nbgrader import __version__ as nbgrader_version

    root = Path(serverapp.root_dir).resolve()

    class Validate(JupyterHandler):
        """POST /assignments/validate (path=...): what nbgrader's Validate button sends."""

        @web.authenticated
        async def post(self):
            path = self.get_argument("path", None) or (self.get_json_body() or {}).get("path", "")
            target = (root / path).resolve()
            if not target.is_relative_to(root):
                raise web.HTTPError(403, "outside the server's folder")
            if not target.is_file():
                raise web.HTTPError(404, f"no file {path}")
            reply = await asyncio.get_running_loop().run_in_executor(None, validate, target)
            self.finish(json.dumps(reply))

    class Version(JupyterHandler):
        """The button first asks whether the server speaks its version: nbgrader's own answer."""

        @web.authenticated
        def get(self):
            version = self.get_argument("version")
            self.finish(json.dumps({"success": True} if version == nbgrader_version else
                                   {"success": False, "message": f"nbgrader's lab extension ({version}) and "
                                                                 f"server ({nbgrader_version}) differ"}))

    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(".*$", [(url_path_join(base, "/assignments/validate"), Validate),
                                           (url_path_join(base, "/nbgrader_version"), Version)])
    serverapp.log.info("grader: nbgrader's Validate button runs `grader check` (hidden tests included)")


def _jupyter_server_extension_points():
    return [{"module": "grader.lab"}]


# jupyter/<file> -> where in the environment (sys.prefix) JupyterLab reads it.
SETTINGS = {
    "chapters_as_notebooks.json": "share/jupyter/lab/settings/overrides.d/alexnet-to-hybrids.json",
    # Read after nbgrader.json (files are read in name order), so switching its Validate off holds.
    "grader_validate.json": "etc/jupyter/jupyter_server_config.d/nbgrader_validate_by_grader.json",
    "page_config.json": "etc/jupyter/labconfig/page_config.json",
}


def install_settings(prefix: Path = Path(sys.prefix)) -> list[Path]:
    source = Path(__file__).resolve().parent.parent / "jupyter"
    installed = []
    for name, target in SETTINGS.items():
        (prefix / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, prefix / target)
        installed.append(prefix / target)
    return installed


if __name__ == "__main__":
    for path in install_settings():
        print(f"installed {path}")
