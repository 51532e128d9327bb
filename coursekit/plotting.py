"""One look for every figure in the course."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt


def use_course_style() -> None:
    """Readable defaults: a size that fits the book's column, light grids, no top/right spines."""
    matplotlib.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
        }
    )


def loglog_axes(xlabel: str, ylabel: str, title: str | None = None):
    """A new figure with log-log axes, the usual frame for scaling plots."""
    fig, ax = plt.subplots()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return fig, ax
