"""Two fixes for errors the built pages log in the browser console.

Found by tests/test_site.py, which opens every page in Chromium and allows no
console error.

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

Registered in _config.yml under ``sphinx: local_extensions``.
"""

from __future__ import annotations

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


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", default_theme_mode)
    # After every other handler, which may still add scripts for this page (MathJax does).
    app.connect("html-page-context", drop_duplicate_scripts, priority=999)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
