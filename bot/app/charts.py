"""PNG charts for the admin stats reply and /timeline (matplotlib's object API: no pyplot,
no global state)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from bot.core.timeline import Timeline

TITLE_TOPIC_MAX = 50  # a longer topic is cut in the chart's title (the years stay)


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


def timeline_png(timeline: Timeline) -> bytes:
    """Matching articles per period as a bar chart (PNG bytes), titled with what was
    counted; the caller draws nothing for an empty timeline (:attr:`Timeline.empty`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(9, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    periods = timeline.periods
    counts = [p.articles for p in periods]
    busiest = timeline.busiest
    colours = ["#ED4245" if p is busiest else "#5865F2" for p in periods]
    ax.bar(range(len(periods)), counts, color=colours, width=0.8)
    labels = [p.start.isoformat() if timeline.unit == "week" else p.label for p in periods]
    step = max(1, -(-len(periods) // 12))  # at most 12 labels
    ax.set_xticks(range(0, len(periods), step), labels[::step])
    ax.set_xlim(-0.6, len(periods) - 0.4)
    ax.set_title(plain_text(timeline.title(topic_max=TITLE_TOPIC_MAX)))
    ax.set_xlabel("week (starting Monday)" if timeline.unit == "week" else timeline.unit)
    ax.set_ylabel("matching articles")
    ax.set_ylim(bottom=0, top=max([*counts, 1]) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    ax.tick_params(axis="x", labelrotation=30)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    # Fixed margins, not tight_layout (which draws the figure once more to measure it: a
    # third of the chart's time); they hold 30-degree labels and a 90-character title.
    fig.subplots_adjust(left=0.08, right=0.985, top=0.9, bottom=0.27)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def plain_text(text: str) -> str:
    """Text for matplotlib drawn as is: ``$`` escaped (no mathtext)."""
    return text.replace("$", r"\$")
