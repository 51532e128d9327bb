"""The pages of the book, as _toc.yml lists them (shared by the book and site tests)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_entries() -> list[str]:
    """Every page of _toc.yml, root first, as paths without suffix ('book/intro')."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [toc["root"]]
    for part in toc.get("parts", []):
        entries += [chapter["file"] for chapter in part["chapters"]]
    return entries
