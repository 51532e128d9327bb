"""Feedback for one graded submission, as a self-contained HTML page.

What it shows: the score and status; each test's verdict, points and
student-safe message (judge.py decides what is safe); the student's own cells
with the outputs judge.py left them (those that ran after a hidden test are
withheld); and, for each test cell, only the part that the released exercise
already shows.  What it never shows: a hidden test's source, anything the
kernel printed while or after a hidden test ran, or a traceback.
"""

from __future__ import annotations

import html

from .notebooks import grade_cells, nbgrader_meta

MAX_TEXT = 10_000
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
.pass { color: #1a7f37; } .fail { color: #cf222e; }
.cell { border-left: 3px solid #d0d7de; margin: 1rem 0; padding-left: .8rem; }
.test { border-left-color: #8250df; } table { border-collapse: collapse; }
td, th { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }
"""


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


def feedback_html(notebook, release, outcome, why: str | None = None) -> str:
    """The page for `outcome` (a report.Outcome); `notebook` is the judged one, or None."""
    s = outcome.submission
    visible = grade_cells(release)
    rows, cells = [], []
    for test in outcome.tests:
        verdict = "<span class='pass'>pass</span>" if test.passed else "<span class='fail'>FAIL</span>"
        rows.append(f"<tr><td>{_text(test.name)}</td><td>{verdict}</td><td>{test.score:g} / {test.max_score:g}</td>"
                    f"<td>{_text(test.message or '')}</td></tr>")
    if notebook is not None:
        for cell in notebook.cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type == "markdown":
                cells.append(f"<div class='cell'><pre>{_text(cell.source)}</pre></div>")
            elif cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                shown = visible.get(meta.get("grade_id"))
                source = shown.source if shown is not None else "# (a hidden test)"
                cells.append(f"<div class='cell test'><p>Test <code>{_text(meta.get('grade_id', ''))}</code></p>"
                             f"<pre>{_text(source)}</pre>{_outputs(cell)}</div>")
            elif cell.cell_type == "code":
                cells.append(f"<div class='cell'><pre>{_text(cell.source)}</pre>{_outputs(cell)}</div>")
    table = ("<table><tr><th>test</th><th>verdict</th><th>points</th><th>message</th></tr>"
             + "".join(rows) + "</table>") if rows else ""
    note = f"<p>{_text(why)}</p>" if why else ""
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Feedback: {_text(s.assignment)}"
            f"</title><style>{STYLE}</style></head><body><h1>{_text(s.assignment)}: feedback for {_text(s.student)}</h1>"
            f"<p>Score: <strong>{outcome.score:g} / {outcome.max_score:g}</strong> &middot; status: {_text(outcome.status)}"
            f"</p>{note}{table}<h2>Your notebook</h2>{''.join(cells)}</body></html>")
