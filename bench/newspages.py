"""The news-page set (``tests/data/newspages``) and the token F1 scorer.

Token F1 is bag-of-words precision and recall over the lowercase word tokens (``\\w+``) of
the expected body text and of the extracted one, as article-extraction benchmarks score it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent / "tests" / "data" / "newspages"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    html: bytes
    title: str
    date: str
    body: tuple[str, ...]
    layout: str


@dataclass(frozen=True, slots=True)
class Extracted:
    """What an extractor made of a page."""

    title: str | None
    date: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Score:
    name: str
    layout: str
    precision: float
    recall: float
    f1: float
    empty: bool
    date_ok: bool
    title_ok: bool


def tokens(texts: Iterable[str]) -> Counter[str]:
    return Counter(w for t in texts for w in _WORD.findall(t.lower()))


def token_f1(expected: Iterable[str], got: Iterable[str]) -> tuple[float, float, float]:
    """(precision, recall, F1) of the tokens of ``got`` against those of ``expected``."""
    want, have = tokens(expected), tokens(got)
    common = sum((want & have).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(have.values()), common / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def load_pages(folder: Path = PAGES) -> list[Page]:
    pages = []
    for path in sorted(folder.glob("page_*.html")):
        record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        pages.append(Page(path.stem, path.read_bytes(), record["title"], record["date"],
                          tuple(record["body"]), record["layout"]))
    return pages


def score(pages: list[Page], extract: Callable[[Page], Extracted]) -> list[Score]:
    out = []
    for page in pages:
        got = extract(page)
        p, r, f = token_f1(page.body, got.paragraphs)
        out.append(Score(page.name, page.layout, p, r, f, not got.paragraphs,
                         got.date == page.date, got.title == page.title))
    return out


def summary(scores: list[Score]) -> dict[str, float]:
    n = len(scores) or 1
    return {"pages": len(scores),
            "f1": sum(s.f1 for s in scores) / n,
            "precision": sum(s.precision for s in scores) / n,
            "recall": sum(s.recall for s in scores) / n,
            "empty": sum(s.empty for s in scores),
            "dates": sum(s.date_ok for s in scores) / n,
            "titles": sum(s.title_ok for s in scores) / n}
