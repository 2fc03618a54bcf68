"""PNG charts for the admin stats reply (matplotlib's object API: no pyplot, no global state)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date


def queries_per_day_png(
    by_day: Sequence[tuple[date, int]], title: str = "Queries per day"
) -> bytes:
    """A bar chart of queries per day as PNG bytes (an empty window draws empty axes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, 3), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    days = [d.isoformat() for d, _ in by_day]
    counts = [n for _, n in by_day]
    ax.bar(range(len(days)), counts, color="#5865F2", width=0.8)
    step = max(1, len(days) // 10)
    ax.set_xticks(range(0, len(days), step), days[::step])
    ax.set_title(title)
    ax.set_ylabel("queries")
    ax.set_ylim(bottom=0, top=max([*counts, 1]) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
