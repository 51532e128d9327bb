"""Feedback for one graded submission, as an HTML page.

What it shows: the score and status; each test's verdict, points and
student-safe message (judge.py decides what is safe); the student's own cells
with the outputs judge.py left them (those that ran after a hidden test are
withheld); and, for each test cell, only the part that the released exercise
already shows.  What it never shows: a hidden test's source, anything the
kernel printed while or after a hidden test ran, or a traceback.

The student's Markdown is rendered (raw HTML, links and images off: a page
must load nothing from outside and run nothing the student wrote); math is
typeset by the MathJax the course ships, copied once beside the pages
(feedback/_mathjax/), with its link and style macros off; without it, math
reads as TeX.  The instructor's comments and hand grades from formgrader are
shown where they belong, with room for them when there are none yet.
"""

from __future__ import annotations

import functools
import html
import shutil
from pathlib import Path

from .notebooks import grade_cells, nbgrader_meta

MAX_TEXT = 10_000
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
.pass { color: #1a7f37; } .fail { color: #cf222e; }
.cell { border-left: 3px solid #d0d7de; margin: 1rem 0; padding-left: .8rem; }
.test { border-left-color: #8250df; } table { border-collapse: collapse; }
td, th { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }
.comment { background: #fff8c5; border-left: 3px solid #d4a72c; padding: .4rem .8rem; margin: .5rem 0; }
.markdown { overflow-x: auto; }
"""
MATHJAX_FOLDER = "_mathjax"  # under feedback/, one copy for every page
# Typeset \(...\) and \[...\] only; the html package (\href, \class, \style) and require stay off.
MATHJAX_CONFIG = ("window.MathJax = {tex: {packages: {'[-]': ['require']}, autoload: {html: []}}, "
                  "options: {enableMenu: false}};")


def install_mathjax(feedback: Path) -> None:
    """feedback/_mathjax/tex-svg.js (self-contained SVG output, no fonts to fetch), once."""
    import mathjax  # the django-static-mathjax package: MathJax 3 as plain files

    target = feedback / MATHJAX_FOLDER / "tex-svg.js"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg.js", target)


@functools.cache
def _markdown_renderer():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False}).use(dollarmath_plugin).enable("table")
    md.disable(["link", "image", "autolink"])
    md.add_render_rule("math_inline", lambda self, tokens, i, options, env:
                       f"<span class='math'>\\({html.escape(tokens[i].content)}\\)</span>")
    md.add_render_rule("math_block", lambda self, tokens, i, options, env:
                       f"<div class='math'>\\[{html.escape(tokens[i].content)}\\]</div>")
    return md


def _markdown(source: str) -> str:
    if len(source) > MAX_TEXT:
        return f"<pre>{_text(source)}</pre>"
    return _markdown_renderer().render(source)


def _text(value: str) -> str:
    value = value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "\n[... cut]"
    return html.escape(value)


def _outputs(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(f"<pre>{_text(output.get('text', ''))}</pre>")
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "image/png" in data:
                parts.append(f'<img alt="a figure from your notebook" src="data:image/png;base64,{html.escape(data["image/png"])}">')
            elif "text/plain" in data:
                parts.append(f"<pre>{_text(data['text/plain'])}</pre>")
        elif kind == "error":
            parts.append(f"<pre class='fail'>{_text(output.get('ename', 'Error'))}: {_text(output.get('evalue', ''))}</pre>")
    return "".join(parts)


HIDDEN_TEST = "# (a hidden test)"


def student_view(notebook, release):
    """A copy of the judged `notebook` whose test cells show only what the released exercise shows.

    The judged notebook's outputs are already student-safe (judge.py); the test
    cells' sources are the instructor's, hidden tests included, so each is
    replaced by its released version (or a placeholder where the release has
    none).  Used for our feedback page and for nbgrader's own (nbgrader_plugins.py).
    """
    import copy

    visible = grade_cells(release) if release is not None else {}
    view = copy.deepcopy(notebook)
    for cell in view.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            shown = visible.get(meta.get("grade_id"))
            cell.source = shown.source if shown is not None else HIDDEN_TEST
    return view


def _comment(text: str | None) -> str:
    return f"<div class='comment'><strong>Instructor:</strong> {_text(text)}</div>" if text else ""


def feedback_html(notebook, release, outcome, why: str | None = None) -> str:
    """The page for `outcome` (a report.Outcome); `notebook` is the judged one, or None."""
    s = outcome.submission
    comments = dict(outcome.comments)
    rows, cells = [], []
    for test in outcome.tests:
        verdict = "<span class='pass'>pass</span>" if test.passed else "<span class='fail'>FAIL</span>"
        rows.append(f"<tr><td>{_text(test.name)}</td><td>{verdict}</td><td>{test.score:g} / {test.max_score:g}</td>"
                    f"<td>{_text(test.message or '')}</td></tr>")
    if notebook is not None:
        for cell in student_view(notebook, release).cells:
            meta = nbgrader_meta(cell)
            note = _comment(comments.pop(meta.get("grade_id"), None)) if meta.get("grade_id") else ""
            if cell.cell_type == "markdown":
                cells.append(f"<div class='cell markdown'>{_markdown(cell.source)}{note}</div>")
            elif cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                cells.append(f"<div class='cell test'><p>Test <code>{_text(meta.get('grade_id', ''))}</code></p>"
                             f"<pre>{_text(cell.source)}</pre>{_outputs(cell)}{note}</div>")
            elif cell.cell_type == "code":
                cells.append(f"<div class='cell'><pre>{_text(cell.source)}</pre>{_outputs(cell)}{note}</div>")
    table = ("<table><tr><th>test</th><th>verdict</th><th>points</th><th>message</th></tr>"
             + "".join(rows) + "</table>") if rows else ""
    note = f"<p>{_text(why)}</p>" if why else ""
    if outcome.seconds_late > 0:
        note += (f"<p>Submitted {outcome.seconds_late / 3600:.1f} hours after the deadline; late penalty: "
                 f"{outcome.late_penalty:g} points.</p>")
    if outcome.needs_manual_grade:
        note += "<p>Some answers are still to be graded by hand: this score may change.</p>"
    remarks = "".join(_comment(text) for text in comments.values())  # comments on cells the page does not show
    if not remarks:
        remarks = ("<p>See the comments beside your cells.</p>" if outcome.comments else
                   "<p>(none yet: they appear here and beside the cells they are about)</p>")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>Feedback: {_text(s.assignment)}"
            f"</title><style>{STYLE}</style><script>{MATHJAX_CONFIG}</script>"
            f"<script defer src='../{MATHJAX_FOLDER}/tex-svg.js'></script></head><body>"
            f"<h1>{_text(s.assignment)}: feedback for {_text(s.student)}</h1>"
            f"<p>Score: <strong>{outcome.score:g} / {outcome.max_score:g}</strong> &middot; status: {_text(outcome.status)}"
            f"</p>{note}{table}<h2>Comments from your instructor</h2>"
            f"{remarks}"
            f"<h2>Your notebook</h2>{''.join(cells)}</body></html>")
