"""Fixes for the built site: console errors, a phone's menu buttons, clipped math, and what a reader needs to run a chapter.

Found by tests/test_site.py, which opens every page in Chromium (at a desktop
and a phone's size) and allows no console error.

1. Inline scripts written twice. With Sphinx 7.4, an inline script (no file,
   only a body) that an extension adds after the HTML builder has started is
   kept once as filename ``None`` and once as ``''``, which do not compare
   equal, so every page carries it twice. sphinx-thebe's
   ``const THEBE_JS_URL = ...`` then fails the second time ("Identifier
   'THEBE_JS_URL' has already been declared"). Each page's script list is
   de-duplicated just before the page is rendered.

2. pydata-sphinx-theme reads the light/dark mode from the ``default_mode``
   template variable; Jupyter Book leaves it empty, and the theme then logs
   "Got invalid theme mode: . Resetting to auto." on every page. It is set to
   ``auto`` (follow the reader's system setting: what the theme falls back
   to anyway) unless the configuration already chose one.

3. On a phone, the two menu buttons did nothing: pydata-sphinx-theme wires
   only the first element of each toggle class, and sphinx-book-theme adds a
   second, visible pair. static/site_fixes.js forwards their clicks.

4. The theme clips inline math (``span.math {overflow: hidden}``), cutting
   sub- and superscripts; static/site_fixes.css lets them show.

5. Every chapter gets a "Run this chapter" box under its title (the clone URL
   from _config.yml's repository, ``make book`` / ``make lab``, a link to How to
   use), and every ``exercises/...`` path the text names links to that file in
   the repository.

6. A favicon (static/favicon.png) on every page, including the root's
   redirect page (written by sphinx-external-toc as a bare meta refresh),
   so no browser asks the host for /favicon.ico, which a project site
   (https://host/course/) cannot serve.

Registered in _config.yml under ``sphinx: local_extensions``.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config


def script_key(script: Any) -> tuple:
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {})
    return (str(filename), getattr(script, "priority", None), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def default_theme_mode(app: Sphinx, config: Config) -> None:
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}


STATIC = Path(__file__).resolve().parent / "static"
EXERCISE_PATH = re.compile(r'<code class="docutils literal notranslate"><span class="pre">(exercises/[\w./-]+)</span></code>')


def repository(app: Sphinx) -> tuple[str, str]:
    options = app.config.html_theme_options or {}
    return options.get("repository_url", "").rstrip("/"), options.get("repository_branch") or "main"


def run_this_chapter(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if not pagename.startswith("chapters/") or "body" not in context:
        return
    url, branch = repository(app)
    how_to = app.builder.get_relative_uri(pagename, "book/how-to-use")
    source = f"chapters/{pagename.split('/', 1)[1]}.md"
    box = ("<div class='admonition tip run-this-chapter'><p class='admonition-title'>Run this chapter</p>"
           f"<p>The code on this page ran when the site was built; run it on your own machine to measure what it "
           f"measures there. <code>git clone {html.escape(url)}</code>, then, in its folder, <code>make book</code>"
           f" (sets everything up) and <code>make lab</code>, and open <code>{source}</code>. "
           f"<a href='{how_to}'>How to use this course</a> has the details, and how the exercises are graded.</p></div>")
    body = context["body"]
    end_of_title = body.find("</h1>")
    if end_of_title >= 0:
        body = body[:end_of_title + 5] + box + body[end_of_title + 5:]

    def link(match: re.Match) -> str:
        path = match.group(1)
        if not url or not (Path(app.srcdir) / path).exists():
            return match.group(0)
        return f"<a class='reference external' href='{html.escape(url)}/blob/{branch}/{path}'>{match.group(0)}</a>"

    context["body"] = EXERCISE_PATH.sub(link, body)


def add_static_files(app: Sphinx, config: Config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.png")


def icon_on_the_redirect_page(app: Sphinx, error: Exception | None) -> None:
    index = Path(app.outdir) / "index.html"
    if error is not None or app.builder.format != "html" or not index.exists():
        return
    text = index.read_text(encoding="utf8")
    match = re.fullmatch(r'\s*<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*', text)
    if match:
        target = html.escape(match.group(1))
        index.write_text(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Redirecting</title>'
                         f'<link rel="icon" href="_static/{Path(app.config.html_favicon).name}">'
                         f'<meta http-equiv="Refresh" content="0; url={target}" /></head>'
                         f'<body><a href="{target}">{target}</a></body></html>\n', encoding="utf8")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", default_theme_mode)
    app.connect("config-inited", add_static_files)
    app.add_css_file("site_fixes.css")
    app.add_js_file("site_fixes.js", priority=900)
    app.connect("html-page-context", run_this_chapter)
    app.connect("build-finished", icon_on_the_redirect_page, priority=900)  # after sphinx-external-toc writes it
    # After every other handler, which may still add scripts for this page (MathJax does).
    app.connect("html-page-context", drop_duplicate_scripts, priority=999)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
