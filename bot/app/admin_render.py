"""Pure rendering for ``/archive-admin``: reindex progress and reports, query-log pages,
stats, channel settings. Everything stays inside Discord's limits, and everything that came
from outside (query texts, file names, skip reasons, command names) is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import discord

from bot.app.render import (
    DESCRIPTION_MAX,
    ELLIPSIS,
    FIELD_VALUE_MAX,
    SEPARATOR,
    embeds,
    escape,
    oneline,
    shorten,
)
from bot.core.build import BuildReport
from bot.store.channels import ChannelSettings
from bot.store.views import Gap, LogRow, LogStats, TopQuery

OK = discord.Colour.green()
FAILED = discord.Colour.red()
RUNNING = discord.Colour.blurple()
CHART_FILENAME = "queries.png"
LIST_ITEM_MAX = 200  # one file name or skip reason
QUERY_MAX = 250  # one logged query text (before escaping)
LOG_PAGE_SIZE = 10
LOG_PAGE_BUDGET = 3900
STAGES = {"scan": "scanning the archive", "parse": "reading files",
          "index": "indexing paragraphs", "save": "saving the new index", "idle": "starting"}
VIEW_TITLES = {
    "recent": "Recent queries",
    "top": "Most frequent queries",
    "unanswered": "Unanswered queries (the archive's gaps)",
    "slow": "Slowest queries",
    "feedback": "Queries rated not helpful",
}


def bounded_lines(lines: Sequence[str], limit: int = FIELD_VALUE_MAX, *,
                  empty: str = "none") -> str:
    """Whole lines joined while they fit in ``limit``, then "… and N more"."""
    if not lines:
        return empty
    kept: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        rest = len(lines) - i - 1
        tail = len(f"\n{ELLIPSIS} and {rest} more") if rest else 0
        cost = len(line) + (1 if kept else 0)
        if used + cost + tail > limit:
            if kept:
                return "\n".join([*kept, f"{ELLIPSIS} and {len(lines) - i} more"])
            more = f"\n{ELLIPSIS} and {rest} more" if rest else ""
            return shorten(line, limit - len(more)) + more
        kept.append(line)
        used += cost
    return "\n".join(kept)


def _item(text: str, limit: int = LIST_ITEM_MAX) -> str:
    return escape(shorten(oneline(text), limit))


def _when(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d %H:%M") if ts else "-"


def _seconds(value: float) -> str:
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} min {seconds:02d} s"


def _bar(percent: float, width: int = 20) -> str:
    filled = max(0, min(width, round(width * percent / 100)))
    return "█" * filled + "░" * (width - filled)


# -- reindex ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReindexProgress:
    """What the progress message shows; built in the reindex thread, shown on the loop."""

    stage: str
    bytes_read: int  # the "parse" stage counts the archive's bytes
    bytes_total: int
    paragraphs_done: int
    paragraphs_total: int
    percent: float
    elapsed: float
    full: bool


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def progress_embed(p: ReindexProgress) -> discord.Embed:
    read = "-"
    if p.bytes_total:
        read = f"{_megabytes(p.bytes_read)} of {_megabytes(p.bytes_total)}"
    paragraphs = f"{p.paragraphs_done}/{p.paragraphs_total}" if p.paragraphs_total else "-"
    lines = [
        f"`{_bar(p.percent)}` {p.percent:.0f}%",
        f"Stage: {STAGES.get(p.stage, p.stage)}",
        f"Archive read: {read}",
        f"Paragraphs indexed: {paragraphs}",
        f"Elapsed: {_seconds(p.elapsed)}",
        "",
        "The current index keeps answering until the new one is saved.",
    ]
    title = "Full reindex running…" if p.full else "Reindex running…"
    return discord.Embed(title=title, description="\n".join(lines), colour=RUNNING)


def report_embed(report: BuildReport, *, full: bool) -> discord.Embed:
    """The final reindex report: counts, then the files added/changed/removed/skipped."""
    changes = len(report.added) + len(report.changed) + len(report.removed)
    summary = (f"{changes} file changes, {len(report.skipped)} skipped. "
               "The new index is saved and now answers queries.")
    embed = discord.Embed(title="Full reindex done" if full else "Reindex done",
                          description=summary, colour=OK)
    for name, value in (("Documents", report.documents), ("Paragraphs", report.paragraphs),
                        ("Files", report.files), ("Reused", report.reused),
                        ("Time", _seconds(report.seconds))):
        embed.add_field(name=name, value=str(value), inline=True)
    for name, paths in (("Added", report.added), ("Changed", report.changed),
                        ("Removed", report.removed)):
        embed.add_field(name=f"{name} ({len(paths)})",
                        value=bounded_lines([_item(p) for p in paths]), inline=False)
    skipped = [_item(f"{s.path}{'' if s.line is None else f':{s.line}'} — {s.reason}")
               for s in report.skipped]
    embed.add_field(name=f"Skipped ({len(report.skipped)})", value=bounded_lines(skipped),
                    inline=False)
    return embed


def failure_embed(reason: str, *, documents: int, built_at: str | None) -> discord.Embed:
    when = f", built {built_at[:19].replace('T', ' ')}" if built_at else ""
    text = (f"{_item(reason, 1500)}\n\nThe previous index ({documents} documents{when}) "
            "keeps serving.")
    return discord.Embed(title="Reindex failed", description=text, colour=FAILED)


# -- query log -------------------------------------------------------------------------------


def _query_line(query: str) -> str:
    return "> " + (_item(query, QUERY_MAX) if query.strip() else "*(no query text)*")


def _log_row(view: str, row: LogRow) -> str:
    parts = [f"`{_when(row.ts)}`", f"**{_item(row.command, 40)}**"]
    if view == "slow" and row.latency_ms is not None:
        parts.insert(0, f"**{row.latency_ms:.0f} ms**")
    count = f"{row.result_count} result{'' if row.result_count == 1 else 's'}"
    parts.append(count if row.found else "not found")
    if view != "slow" and row.latency_ms is not None:
        parts.append(f"{row.latency_ms:.0f} ms")
    if row.error_id:
        parts.append(f"error {_item(row.error_id, 16)}")
    if row.feedback is not None:
        parts.append("👍" if row.feedback > 0 else "👎")
    text = " · ".join(parts) + "\n" + _query_line(row.query)
    if view == "feedback" and row.top_hits:
        hits = ", ".join(f"{_item(d, 40)} ¶{p}" for d, p in row.top_hits[:3])
        text += f"\nTop hits: {hits}"
    return text


def _grouped_row(row: TopQuery | Gap) -> str:
    parts = [f"**{row.times}×**"]
    if isinstance(row, TopQuery):
        parts.append(f"answered {100 * row.answered_rate:.0f}%")
    parts.append(f"last `{_when(row.last_seen)}`")
    return " · ".join(parts) + "\n" + _query_line(row.query)


def log_blocks(view: str, rows: Sequence[LogRow | TopQuery | Gap]) -> list[str]:
    return [_log_row(view, r) if isinstance(r, LogRow) else _grouped_row(r) for r in rows]


def pack(blocks: Sequence[str], *, page_size: int = LOG_PAGE_SIZE,
         budget: int = LOG_PAGE_BUDGET) -> list[str]:
    """Descriptions of up to ``page_size`` whole blocks within ``budget`` characters."""
    pages: list[str] = []
    page: list[str] = []
    for block in blocks:
        block = block[:budget]
        if page and (len(page) >= page_size
                     or len(SEPARATOR.join([*page, block])) > budget):
            pages.append(SEPARATOR.join(page))
            page = []
        page.append(block)
    if page:
        pages.append(SEPARATOR.join(page))
    return pages


def log_pages(view: str, rows: Sequence[LogRow | TopQuery | Gap], *,
              filters: str) -> list[discord.Embed]:
    title = VIEW_TITLES.get(view, view)
    footer = f"{len(rows)} rows" + (f" · {filters}" if filters else "")
    pages = pack(log_blocks(view, rows)) or ["No rows in this view for these filters."]
    return embeds(title, pages, footer)


# -- stats -----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def stats_embed(s: LogStats, *, days: int, chart: bool = True) -> discord.Embed:
    rate = "-" if s.answered_rate is None else f"{100 * s.answered_rate:.0f}%"
    lines = [
        f"**{s.total}** queries from **{s.distinct_users}** distinct users",
        f"Answered: **{rate}**",
        f"Latency: median **{_ms(s.latency_median)}**, p95 **{_ms(s.latency_p95)}**",
        f"Feedback: {s.positive_feedback} 👍 · {s.negative_feedback} 👎",
    ]
    embed = discord.Embed(title=f"Query-log stats: last {days} days",
                          description="\n".join(lines)[:DESCRIPTION_MAX], colour=RUNNING)
    by_command = [f"{_item(name, 60)}: {n}" for name, n in s.by_command.items()]
    embed.add_field(name="By command", value=bounded_lines(by_command, empty="no queries"),
                    inline=True)
    by_day = [f"`{d.isoformat()}` {n}" for d, n in reversed(s.by_day) if n]
    embed.add_field(name="By day (newest first)",
                    value=bounded_lines(by_day, empty="no queries"), inline=True)
    if chart:
        embed.set_image(url=f"attachment://{CHART_FILENAME}")
    embed.set_footer(text="Answered = found and at least one result. Times in UTC.")
    return embed


# -- channels --------------------------------------------------------------------------------


def _onoff(value: bool) -> str:
    return "on" if value else "off"


def channel_line(channel_id: int | str, s: ChannelSettings) -> str:
    where = f"<#{channel_id}>" if str(channel_id).isdigit() else _item(str(channel_id), 40)
    state = "**enabled**" if s.enabled else "**disabled**"
    return (f"{where}: {state} · mentions {_onoff(s.answer_mentions)} · "
            f"ephemeral {_onoff(s.ephemeral)} · threads {_onoff(s.threads)}")


def channels_embed(rows: Sequence[tuple[str, ChannelSettings]],
                   defaults: ChannelSettings) -> discord.Embed:
    default = (f"Other channels use the defaults: mentions {_onoff(defaults.answer_mentions)} · "
               f"ephemeral {_onoff(defaults.ephemeral)} · threads {_onoff(defaults.threads)}.")
    lines = [channel_line(cid, s) for cid, s in rows]
    body = bounded_lines(lines, DESCRIPTION_MAX - len(default) - 2,
                         empty="No channel has its own settings.")
    return discord.Embed(title="Channel settings", description=f"{body}\n\n{default}",
                         colour=RUNNING)
