"""HTML pages to text (bot/core/htmltext.py): blocks from ``<p>`` and ``<li>`` (inside
``<article>`` when there is one), boilerplate elements dropped with everything in them, and
title, date, outlet, author and URL read from the markup."""

from __future__ import annotations

import pytest

from bot.core.htmltext import extract_html

PAGE = """<!doctype html><html><head>
<title>Big Story | Site News</title>
<meta property="og:site_name" content="Site  News">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2019-05-03T10:00:00Z">
<meta property="og:url" content="https://example.com/og">
<link rel="canonical" href="https://example.com/story">
<script>var p = "<p>not a paragraph</p>";</script>
<style>p { color: red }</style>
</head><body>
<header><h1>Site masthead</h1><nav><ul><li>Home</li><li>World</li></ul></nav></header>
<article>
<h1>Big &amp; Bold <em>Headline</em></h1>
<p>First   paragraph, with an &ldquo;entity&rdquo;.</p>
<p>A line<br>broken in two.</p>
<ul><li>A list item.</li><li>Another <b>item</b>.</li></ul>
<aside><p>Aside text.</p></aside>
<figure><img src="x.jpg"><figcaption>A caption</figcaption></figure>
<form><p>Sign up</p><button>Go</button></form>
<noscript><p>Enable JavaScript</p></noscript>
</article>
<p>Outside the article.</p>
<footer><p>Copyright footer.</p></footer>
</body></html>
"""


def test_blocks_come_from_p_and_li_inside_the_article() -> None:
    page = extract_html(PAGE)
    assert page.blocks == [
        "First paragraph, with an “entity”.",
        "A line\nbroken in two.",
        "A list item.",
        "Another item.",
    ]


@pytest.mark.parametrize("tag", ["script", "style", "nav", "header", "footer", "aside",
                                 "noscript", "template", "figcaption", "form", "button",
                                 "svg", "select", "iframe"])
def test_skipped_elements_drop_everything_inside(tag: str) -> None:
    html = (f"<body><p>Kept before.</p><{tag}><p>Dropped {tag}.</p><li>Dropped too.</li>"
            f"<div><p>Nested, dropped.</p></div></{tag}><p>Kept after.</p></body>")
    assert extract_html(html).blocks == ["Kept before.", "Kept after."]


def test_without_an_article_the_whole_body_counts() -> None:
    html = ("<html><body><div><p>One.</p><section><p>Two.</p></section></div>"
            "<ol><li>Three.</li></ol><script>x()</script></body></html>")
    assert extract_html(html).blocks == ["One.", "Two.", "Three."]


def test_an_unclosed_paragraph_ends_at_the_next_block() -> None:
    html = "<body><p>First<p>Second<div>not in a block</div><li>Third"
    assert extract_html(html).blocks == ["First", "Second", "Third"]


def test_empty_blocks_are_dropped_and_spaces_collapsed() -> None:
    html = "<body><p>  </p><p>\n\tA\u00a0 spaced \n  text </p><li><br></li></body>"
    assert extract_html(html).blocks == ["A spaced text"]


def test_meta_fields_and_the_canonical_url() -> None:
    page = extract_html(PAGE)
    assert page.meta == {
        "source": "Site News",
        "author": "Jane Doe",
        "date": "2019-05-03T10:00:00Z",
        "url": "https://example.com/story",  # the canonical link wins over og:url
    }


def test_meta_first_value_wins_and_time_is_the_fallback_date() -> None:
    html = ("<head><meta name='author' content='First'><meta name='author' content='Second'>"
            "<meta property='og:url' content='https://example.com/og'>"
            "<meta name='description' content='not a field'></head>"
            "<body><time datetime=' 2016-02-03 '>Feb 3</time><p>Text.</p></body>")
    page = extract_html(html)
    assert page.meta == {"author": "First", "url": "https://example.com/og",
                         "date": "2016-02-03"}
    published = "<meta property='article:published_time' content='2019-01-01'>"
    assert extract_html(published + html).meta["date"] == "2019-01-01"


def test_no_meta_at_all() -> None:
    page = extract_html("<p>Just text.</p>")
    assert page.meta == {"date": None}
    assert page.title is None


def test_title_is_the_article_h1_then_any_h1_then_title_without_the_site() -> None:
    assert extract_html(PAGE).title == "Big & Bold Headline"
    # A masthead <h1> in <header> is a heading outside the article: used when no other.
    assert extract_html("<header><h1>Masthead</h1></header><p>x</p>").title == "Masthead"
    assert extract_html("<nav><h1>Menu</h1></nav><p>x</p>").title is None
    for sep in (" | ", " - ", " – ", " — "):
        html = (f"<head><title>Plain Page{sep}Daily</title>"
                "<meta property='og:site_name' content='Daily'></head><p>x</p>")
        assert extract_html(html).title == "Plain Page"
    assert extract_html("<title>Plain Page | Other</title><p>x</p>").title == "Plain Page | Other"
