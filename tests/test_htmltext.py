"""HTML pages to our paragraphs (bot/core/htmltext.py, through trafilatura): the article's
paragraphs, list items and table rows without the page around them, and the title, date,
site name, author and URL read from the markup (meta, OpenGraph, JSON-LD, itemprop)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.htmltext import FURNITURE_PATTERNS, extract_html
from bot.core.ingest import parse_file

BODY = [
    "The city council voted on Thursday to rebuild the old harbour bridge after a decade "
    "of arguments about whether it could be repaired.",
    "Engineers said corrosion in the girders had advanced faster than expected, and the "
    "load limit would otherwise be cut next year.",
    "Construction should start in the spring and take about three years, the council said "
    "in a statement published on its website.",
]


def page(body: str, head: str = "") -> str:
    return (f"<!doctype html><html><head><title>Bridge vote | Harbour Gazette</title>{head}"
            "</head><body><header><nav><ul><li><a href='/'>Home</a></li><li><a href='/n'>"
            "News</a></li></ul></nav></header><main><article><h1>Council approves bridge "
            f"plan</h1>{body}</article></main><footer><p>Copyright 2024 Harbour Gazette. All "
            "rights reserved.</p></footer></body></html>")


def ps(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def test_paragraphs_without_navigation_and_footer() -> None:
    got = extract_html(page(ps(BODY)))
    assert got.paragraphs == BODY
    assert got.title == "Council approves bridge plan"  # the one <h1>, not <title>


def test_div_bodies_and_form_wrappers_are_read() -> None:
    divs = "".join(f"<div class='para'>{t}</div>" for t in BODY)
    assert extract_html(page(divs)).paragraphs == BODY
    wrapped = page(ps(BODY)).replace("<body>", "<body><form id='aspnetForm'>").replace(
        "</body>", "</form></body>")
    assert extract_html(wrapped).paragraphs == BODY


def test_br_separated_text_is_split_into_paragraphs() -> None:
    text = "<div class='content'>" + "<br><br>\n".join(BODY) + "</div>"
    assert extract_html(page(text)).paragraphs == BODY


def test_list_items_and_table_rows_are_paragraphs() -> None:
    items = "<ul><li>Fuel duty is frozen for another year.</li><li>Child benefit rises.</li></ul>"
    table = ("<table><tr><th>Position</th><th>Name</th></tr><tr><td>1</td><td>D Kiprono</td>"
             "</tr></table>")
    got = extract_html(page(ps(BODY[:2]) + items + table + ps(BODY[2:]))).paragraphs
    assert got == [*BODY[:2], "Fuel duty is frozen for another year.", "Child benefit rises.",
                   "Position Name", "1 D Kiprono", BODY[2]]


@pytest.mark.parametrize("furniture", [
    "SAVE $25 on a smart speaker this week only",
    "Thanks for contacting us. We've received your submission.",
    "Share this post",
    "Updated 15 minutes ago",
    "Sign up for our newsletter and get the top stories in your inbox.",
    "Subscribe now",
    "Story continues below advertisement",
    "Advertisement - Continue Reading Below",
    "Continue reading the main story",
    "Scroll to continue with content",
])
def test_page_furniture_lines_are_dropped(furniture: str) -> None:
    assert any(p.fullmatch(furniture) for p in FURNITURE_PATTERNS)
    got = extract_html(page(ps(BODY[:2]) + f"<p>{furniture}</p>" + ps(BODY[2:])))
    assert got.paragraphs == BODY


def test_a_sentence_about_savings_is_not_furniture() -> None:
    text = "Households could save $400 a year under the plan, the minister told parliament."
    assert extract_html(page(ps([*BODY, text]))).paragraphs == [*BODY, text]


def test_dates_from_json_ld_itemprop_opengraph_and_time() -> None:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "datePublished": "2021-03-12T08:30:00+00:00"})
    heads = {
        "json-ld": f"<script type='application/ld+json'>{ld}</script>",
        "itemprop": "<meta itemprop='datePublished' content='2021-03-12'>",
        "opengraph": "<meta property='article:published_time' content='2021-03-12T10:00:00Z'>",
    }
    for how, head in heads.items():
        assert extract_html(page(ps(BODY), head)).date == "2021-03-12", how
    timed = page("<time datetime='2021-03-12'>March 12, 2021</time>" + ps(BODY))
    assert extract_html(timed).date == "2021-03-12"


def test_no_date_is_invented() -> None:
    assert extract_html(page(ps(BODY))).date is None


def test_site_name_author_and_url_from_the_markup() -> None:
    head = ("<meta property='og:site_name' content='Harbour Gazette'>"
            "<meta name='author' content='Maria Lindqvist'>"
            "<link rel='canonical' href='https://example.com/bridge'>")
    got = extract_html(page(ps(BODY), head))
    assert (got.source, got.author, got.url) == (
        "Harbour Gazette", "Maria Lindqvist", "https://example.com/bridge")
    assert got.meta["source"] == "Harbour Gazette"


def test_a_very_small_page_still_has_its_text() -> None:
    assert extract_html("<p>Just one short sentence here.</p>").paragraphs == [
        "Just one short sentence here."]


def test_the_same_page_gives_the_same_paragraphs() -> None:
    html = page(ps(BODY))
    assert extract_html(html) == extract_html(html)


def test_an_html_file_is_one_article_titled_by_its_page(tmp_path: Path) -> None:
    """A capture's footer marker ("Read more on this issue:") split HTML pages into a second
    article titled with the file's hash; a page is one article now."""
    name = "9f" * 32 + ".html"
    second = ["Another story follows the marker with a long first sentence here.",
              "And it has a second paragraph that would have made it an article."]
    (tmp_path / name).write_text(page(ps(BODY) + "<p>Read more on this issue:</p>"
                                      + ps(second)), encoding="utf-8")
    (article,), _ = parse_file(tmp_path / name, tmp_path)
    assert article.title == "Council approves bridge plan"
    assert article.paragraphs == (*BODY, *second)
