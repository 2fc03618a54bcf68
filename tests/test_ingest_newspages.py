"""The news-page set (tests/data/newspages: 48 pages of our own in 24 CMS layouts, with the
text a reader sees as the article) through the HTML ingester: token F1 of the body at least
0.95 on average, no page empty, a date for at least 95% of pages, and the expected date."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.newspages import Extracted, Page, load_pages, score, summary, token_f1
from bot.core.ingest import parse_file


def _extract(page: Page, folder: Path) -> Extracted:
    path = folder / f"{page.name}.html"
    path.write_bytes(page.html)
    (article,), _ = parse_file(path, folder)
    return Extracted(article.title, article.date, article.paragraphs)


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> list:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("pages")
    return score(load_pages(), lambda page: _extract(page, folder))


def test_the_set_is_large_and_varied() -> None:
    pages = load_pages()
    assert len(pages) >= 48
    assert len({p.layout for p in pages}) >= 15


def test_token_f1_no_empty_page_and_dates(scores: list) -> None:  # type: ignore[type-arg]
    total = summary(scores)
    assert total["f1"] >= 0.95, total
    assert total["empty"] == 0
    assert total["dates"] >= 0.95
    worst = min(scores, key=lambda s: s.f1)  # an embedded tweet kept: 0.93
    assert worst.f1 >= 0.85, worst


def test_token_f1_scorer() -> None:
    assert token_f1(["a b c d"], ["a b c d"]) == (1.0, 1.0, 1.0)
    p, r, f = token_f1(["The cat sat"], ["the cat", "sat on mats"])
    assert (p, r) == (0.6, 1.0) and f == pytest.approx(0.75)
    assert token_f1(["x"], []) == (0.0, 0.0, 0.0)
