"""Serve MathJax from the site itself, so that math renders offline.

Sphinx loads MathJax 3 from a CDN by default, which a reader without a
network connection (or on a locked-down classroom network) cannot reach: the
equations then stay raw LaTeX. This extension serves the very same MathJax 3
(the ``tex-mml-chtml`` component, with its web fonts) from the site instead,
taken from the ``django-static-mathjax`` package on PyPI (a dependency in
pyproject.toml, which ships the MathJax 3.2.2 distribution as plain files):

* ``mathjax_path`` becomes ``_static/mathjax/tex-mml-chtml.js`` (unless a
  configuration already chose a path other than Sphinx's CDN default);
* when an HTML build starts, MathJax's browser files are copied into
  ``_static/mathjax/`` of the output.

MyST's MathJax settings (``mathjax3_config``) apply unchanged. Nothing is
downloaded at build time. Registered in _config.yml under
``sphinx: local_extensions``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.ext.mathjax import MATHJAX_URL

# Under the HTML output's _static/ folder.
MATHJAX_DIR = "mathjax"
# The component Sphinx's default CDN URL names: TeX and MathML input, HTML (CHTML) output.
COMPONENT = "tex-mml-chtml.js"
LOCAL_MATHJAX_PATH = f"{MATHJAX_DIR}/{COMPONENT}"


def mathjax_source() -> Path:
    """The es5/ folder of the MathJax distribution: what a browser loads."""
    import mathjax  # the django-static-mathjax package

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def choose_local_mathjax(app: Sphinx, config: Config) -> None:
    if config.mathjax_path == MATHJAX_URL:
        config.mathjax_path = LOCAL_MATHJAX_PATH


def not_needed(source: Path):
    """Skips the other combined components and the SVG output: ~15 MB the site never loads.

    Everything COMPONENT may load on demand stays: TeX extensions, fonts,
    menu, accessibility and speech.
    """

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder)
        skipped = set()
        if here == source:
            skipped |= {name for name in names if name.endswith(".js") and name != COMPONENT}
        if here == source / "output":
            skipped |= {"svg", "svg.js"}
        return skipped

    return ignore


def copy_mathjax(app: Sphinx) -> None:
    if app.builder.format != "html" or app.config.mathjax_path != LOCAL_MATHJAX_PATH:
        return
    source = mathjax_source()
    if not (source / COMPONENT).is_file():
        raise FileNotFoundError(f"{COMPONENT} not found in {source}: reinstall django-static-mathjax")
    # Copied before the pages are written, so that Sphinx can add a checksum to the script URL.
    target = Path(app.outdir) / "_static" / MATHJAX_DIR
    shutil.copytree(source, target, ignore=not_needed(source), dirs_exist_ok=True)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", choose_local_mathjax)
    app.connect("builder-inited", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
