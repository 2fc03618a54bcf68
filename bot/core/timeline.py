"""A topic's timeline, pure: matching articles and paragraphs per week, month or year.

*Matching* is what /search matches: every paragraph the BM25 search returns for the topic (a
paragraph holding at least one of its terms, after stemming and stop words), with the same
date and source filters. An article matches when one of its paragraphs does; it is counted in
the period of its publication date. Articles without a date are counted apart (never drawn).

The period follows the span, from the ``from`` date (else the first matching article's date)
to the ``to`` date (else the last one's): weeks (starting on Monday) when it is shorter than
``timeline.weeks_below_days`` (92: about three months), years when it is longer than
``timeline.years_above_days`` (2192: six years), months otherwise. Every period of the span
is listed, empty ones with zero. The busiest period is the one with the most matching
articles (the earliest of a tie); its top articles are ranked by their best paragraph's score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from bot.config import Settings
from bot.core.doctable import NO_DATE
from bot.core.models import Filters, SearchHit
from bot.core.requests import check_text, make_filters
from bot.core.snapshot import Snapshot

Unit = Literal["week", "month", "year"]


@dataclass(frozen=True, slots=True)
class TimelineRequest:
    topic: str
    filters: Filters = Filters()

    @classmethod
    def parse(cls, settings: Settings, topic: str, date_from: str | None = None,
              date_to: str | None = None, source: str | None = None) -> TimelineRequest:
        return cls(check_text(settings, topic, "topic"), make_filters(date_from, date_to, source))


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # inclusive
    label: str
    articles: int
    paragraphs: int


@dataclass(frozen=True, slots=True)
class Timeline:
    topic: str
    unit: Unit
    periods: tuple[Period, ...]
    undated_articles: int
    undated_paragraphs: int
    busiest: Period | None
    top: tuple[SearchHit, ...]  # the busiest period's top articles (their best paragraph)
    filters: Filters = Filters()

    @property
    def dated_articles(self) -> int:
        return sum(p.articles for p in self.periods)

    @property
    def dated_paragraphs(self) -> int:
        return sum(p.paragraphs for p in self.periods)

    @property
    def empty(self) -> bool:
        """Nothing to draw: no dated article matches."""
        return not self.dated_articles

    def title(self, topic_max: int | None = None) -> str:
        """``Articles matching 'chlorine' per month, 2013–2019`` (the topic cut to
        ``topic_max`` characters when given, so the years stay)."""
        topic = self.topic
        if topic_max is not None and len(topic) > topic_max:
            topic = topic[: max(topic_max - 1, 0)].rstrip() + "…"
        text = f"Articles matching '{topic}' per {self.unit}"
        if not self.periods:
            return text
        first, last = self.periods[0].start.year, self.periods[-1].end.year
        return text + (f", {first}" if first == last else f", {first}–{last}")

    def undated_note(self) -> str | None:
        n = self.undated_articles
        if not n:
            return None
        return f"{n} undated article{'' if n == 1 else 's'} not shown"


def choose_unit(first: date, last: date, weeks_below: int, years_above: int) -> Unit:
    """The period for a span (see the module docstring)."""
    span = (last - first).days
    if span < weeks_below:
        return "week"
    if span > years_above:
        return "year"
    return "month"


def period_start(day: date, unit: Unit) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def next_start(start: date, unit: Unit) -> date:
    if unit == "week":
        return start + timedelta(days=7)
    if unit == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def label(start: date, unit: Unit) -> str:
    if unit == "week":
        return f"week of {start.isoformat()}"
    return start.strftime("%Y-%m") if unit == "month" else str(start.year)


def period_starts(first: date, last: date, unit: Unit) -> list[date]:
    out = [period_start(first, unit)]
    while next_start(out[-1], unit) <= last:
        out.append(next_start(out[-1], unit))
    return out


def _bucket_of(days: npt.NDArray[np.int64], starts: list[date]) -> npt.NDArray[np.int64]:
    """Each day number's period (index into ``starts``)."""
    edges = np.array([s.toordinal() for s in starts], dtype=np.int64)
    return np.searchsorted(edges, days, side="right").astype(np.int64) - 1


def _span(filters: Filters, dated: npt.NDArray[np.int64]) -> tuple[date, date]:
    first = date.fromisoformat(filters.date_from) if filters.date_from else None
    last = date.fromisoformat(filters.date_to) if filters.date_to else None
    return (first or date.fromordinal(int(dated.min())),
            last or date.fromordinal(int(dated.max())))


def build_timeline(snapshot: Snapshot, request: TimelineRequest) -> Timeline:
    """Count ``request``'s matching articles and paragraphs per period (CPU work)."""
    settings = snapshot.settings.timeline
    ranked = snapshot.rank(request.topic, request.filters)
    docs = snapshot.index.para_doc[ranked.paragraphs].astype(np.int64)
    days = snapshot.index.docs.dates[docs].astype(np.int64)
    undated = days == NO_DATE
    undated_articles = int(np.unique(docs[undated]).size)
    dated_days, dated_docs = days[~undated], docs[~undated]
    if not dated_days.size:
        return Timeline(request.topic, "month", (), undated_articles, int(undated.sum()),
                        None, (), request.filters)
    first, last = _span(request.filters, dated_days)
    unit = choose_unit(first, last, settings.weeks_below_days, settings.years_above_days)
    starts = period_starts(min(first, date.fromordinal(int(dated_days.min()))),
                           max(last, date.fromordinal(int(dated_days.max()))), unit)
    buckets = _bucket_of(dated_days, starts)
    paragraphs = np.bincount(buckets, minlength=len(starts))
    n_docs = max(len(snapshot.index.docs), 1)  # one key per (period, article), in 1-D:
    pairs = np.unique(buckets * n_docs + dated_docs)  # a sort of ints, not of rows
    articles = np.bincount(pairs // n_docs, minlength=len(starts))
    periods = tuple(
        Period(s, next_start(s, unit) - timedelta(days=1), label(s, unit), int(a), int(p))
        for s, a, p in zip(starts, articles.tolist(), paragraphs.tolist(), strict=True))
    busy = int(np.argmax(articles))  # the first of the largest
    top = _top_articles(snapshot, ranked.paragraphs[~undated][buckets == busy],
                        ranked.scores[~undated][buckets == busy], settings.top_articles)
    return Timeline(request.topic, unit, periods, undated_articles, int(undated.sum()),
                    periods[busy], top, request.filters)


def _top_articles(snapshot: Snapshot, paragraphs: npt.NDArray[np.int64],
                  scores: npt.NDArray[np.float64], k: int) -> tuple[SearchHit, ...]:
    """The ``k`` articles with the best paragraphs (one hit per article, its best; ties to
    the earlier paragraph)."""
    order = np.lexsort((paragraphs, -scores))  # best score first, then paragraph order
    seen: set[int] = set()
    hits: list[SearchHit] = []
    for i in order.tolist():
        para = int(paragraphs[i])
        doc = int(snapshot.index.para_doc[para])
        if doc in seen:
            continue
        seen.add(doc)
        hits.append(snapshot.hit(para, float(scores[i])))
        if len(hits) == k:
            break
    return tuple(hits)


def timeline_rows(timeline: Timeline) -> list[dict[str, object]]:
    """One record per period, then an ``undated`` one when some are (CSV and JSON)."""
    rows: list[dict[str, object]] = [
        {"period": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(),
         "articles": p.articles, "paragraphs": p.paragraphs} for p in timeline.periods]
    if timeline.undated_articles:
        rows.append({"period": "undated", "start": None, "end": None,
                     "articles": timeline.undated_articles,
                     "paragraphs": timeline.undated_paragraphs})
    return rows
