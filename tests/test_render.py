"""Rendering: Discord's limits under random long texts, escaping, cutting, citations, pages."""

from __future__ import annotations

import random
import re
import string

import discord
import pytest

from bot.app import render
from bot.app.render import (
    DESCRIPTION_MAX,
    ELLIPSIS,
    EMBED_TOTAL_MAX,
    Numbering,
    citation_line,
    escape,
    highlight,
    limit_problems,
    shorten,
)
from bot.core.answers import Answer, CitedSentence, QuoteMatch, Span
from bot.core.models import Citation, SearchHit, SearchResult
from bot.core.search import Archive

NASTY = ["@everyone", "@here", "<@123>", "<@!123>", "<@&1>", "<#1>", "**", "__", "`", "```",
         "~~", "||", "> ", "# ", "[x](https://evil.example)", "\\", "<t:1:R>", "*", "_"]
WORDS = ["Syria", "talks", "envoy", "Astana", "opposition", "said", "the", "regime", "of",
         "Idlib", "€100,000", "U.S.", "al-Jaafari", "“quoted”", "naïve", "2018-05-16"]


def random_text(rng: random.Random, n: int) -> str:
    words = rng.choices(WORDS * 3 + NASTY + ["<long>"], k=n)
    marks = rng.choices([".", "!", "?", ",", "", "", "", "", "", "", "", ""], k=n)
    out = []
    for word, mark in zip(words, marks, strict=True):
        if word == "<long>":
            word = "".join(rng.choices(string.ascii_letters, k=rng.randint(30, 300)))
        out.append(word + mark)
    return " ".join(out)


def random_citation(rng: random.Random, i: int) -> Citation:
    url = rng.choice([None, "https://example.org/a(b)", "javascript:alert(1)",
                      "https://example.org/" + "x" * rng.randint(1, 600)])
    return Citation(f"doc{i}", random_text(rng, rng.randint(1, 120)),
                    rng.choice([None, random_text(rng, rng.randint(1, 40))]),
                    rng.choice([None, "2018-05-16"]), rng.randint(1, 40), url)


def random_hit(rng: random.Random, i: int) -> SearchHit:
    c = random_citation(rng, i)
    return SearchHit(c.doc_id, c.title, c.source, c.date, c.paragraph, 1.0,
                     random_text(rng, rng.randint(1, 1500)), c.url)


def assert_within_limits(embeds: list[discord.Embed]) -> None:
    for embed in embeds:
        assert limit_problems([embed]) == []
        assert len(embed) <= EMBED_TOTAL_MAX


def assert_inert(text: str) -> None:
    """No pinging or link/markup syntax survives from archive text."""
    assert "@everyone" not in text and "@here" not in text
    assert re.search(r"<@[!&]?\d+>", text) is None
    assert re.search(r"<#\d+>", text) is None
    assert re.search(r"(?<!\\)\[x\]\(https://evil", text) is None


# -- escaping --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["@everyone", "@here", "<@123>", "<@!123>", "<@&1>", "<#1>"])
def test_escape_neutralises_mentions(raw: str) -> None:
    assert_inert(escape(f"hello {raw} there"))


def test_escape_neutralises_markdown() -> None:
    text = escape("**bold** `code` __u__ ~~s~~ ||spoiler|| [x](https://evil.example)")
    assert "**bold**" not in text and "\\*\\*bold\\*\\*" in text
    assert "\\`code\\`" in text
    assert_inert(text)


def test_highlight_bolds_after_escaping() -> None:
    text = "The **envoy** said @everyone"
    start = text.index("envoy")
    out = highlight(text, [(start, start + 5)])
    assert "\\*\\***envoy**\\*\\*" in out
    assert_inert(out)


def test_highlight_ignores_overlapping_or_bad_spans() -> None:
    assert highlight("abc def", [(0, 3), (1, 2), (4, 99)]) == "**abc** def"


# -- cutting ---------------------------------------------------------------------------------


def test_shorten_keeps_short_text() -> None:
    assert shorten("short text.", 50) == "short text."


def test_shorten_cuts_at_sentence_end() -> None:
    text = "First sentence is here. Second one is longer and will not fit at all."
    assert shorten(text, 36) == "First sentence is here. " + ELLIPSIS


def test_shorten_cuts_at_word_boundary() -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta"
    out = shorten(text, 20)
    assert out == "alpha beta gamma" + ELLIPSIS
    assert len(out) <= 20


def test_shorten_hard_cut_keeps_markup_balanced() -> None:
    out = shorten("x" * 10 + "**" + "y" * 50 + "**", 30)
    assert len(out) <= 30 and out.count("**") % 2 == 0
    assert not shorten("a" * 28 + "\\*", 30).rstrip(ELLIPSIS).endswith("\\")


def test_shorten_property_random() -> None:
    rng = random.Random(7)
    for _ in range(500):
        text = escape(random_text(rng, rng.randint(1, 400)))
        limit = rng.randint(2, 3000)
        out = shorten(text, limit)
        assert len(out) <= limit
        if len(text.strip()) > limit:
            assert out.endswith(ELLIPSIS)
            assert text.startswith(out.rstrip(ELLIPSIS).rstrip())


# -- citations -------------------------------------------------------------------------------


def test_citation_line_format() -> None:
    c = Citation("d1", "Title", "Middle East Monitor", "2018-05-16", 3, "https://x.org/a")
    assert citation_line(2, c) == (
        "**[2]** [Title](https://x.org/a) — Middle East Monitor, 2018-05-16, ¶3"
    )
    assert citation_line(1, c._replace(url=None, source=None)) == "**[1]** Title — 2018-05-16, ¶3"


def test_citation_line_rejects_bad_urls_and_bounds_length() -> None:
    c = Citation("d1", "T" * 5000 + " @everyone", "S" * 500, None, 1, "javascript:alert(1)")
    line = citation_line(1, c)
    assert "javascript" not in line and len(line) < 1024
    assert_inert(line)


def test_numbering_is_stable() -> None:
    n = Numbering()
    a, b = Citation("a", "A", None, None, 1), Citation("b", "B", None, None, 2)
    assert [n.number(a), n.number(b), n.number(a)] == [1, 2, 1]


# -- pages -----------------------------------------------------------------------------------


def test_search_pages_paginate_and_cite(seed_archive: Archive) -> None:
    result = seed_archive.search("Astana talks", 10)
    terms = result.terms
    pages = render.search_pages(
        result, spans=lambda t: seed_archive.tokenizer.spans(t, terms), page_size=3,
        index_date=seed_archive.index.built_at, searched=6,
    )
    assert len(pages) == -(-len(result.hits) // 3)
    assert_within_limits(pages)
    assert "**[1]**" in (pages[0].description or "")
    assert "**[4]**" in (pages[1].description or "")
    assert "page 1/" in (pages[0].footer.text or "")
    assert "**Astana**" in (pages[0].description or "")


def test_search_pages_no_hits() -> None:
    result = SearchResult("@everyone nothing", (), 0, 1.0, ())
    (page,) = render.search_pages(result, searched=6)
    assert "No paragraph matches" in (page.description or "")
    assert_inert(page.description or "")
    assert_inert(page.title or "")


def test_search_pages_random_long_texts_stay_within_limits() -> None:
    rng = random.Random(11)
    for _ in range(60):
        hits = tuple(random_hit(rng, i) for i in range(rng.randint(1, 25)))
        query = random_text(rng, rng.randint(1, 200))
        result = SearchResult(query, (), len(hits), 1.0, hits)
        pages = render.search_pages(result, page_size=rng.randint(1, 25),
                                    index_date="2024-01-01T00:00:00")
        assert_within_limits(pages)
        for page in pages:
            assert_inert(page.description or "")
            assert_inert(page.title or "")
        text = "".join(p.description or "" for p in pages)
        # every hit's citation line appears whole, exactly once, in order
        for n, hit in enumerate(hits, start=1):
            assert text.count(citation_line(n, hit.citation)) == 1


def test_answer_pages_random_never_cut_citations() -> None:
    rng = random.Random(5)
    for _ in range(60):
        sentences = tuple(
            CitedSentence(random_text(rng, rng.randint(1, 900)), random_citation(rng, i))
            for i in range(rng.randint(1, 15))
        )
        passages = tuple(random_hit(rng, 100 + i) for i in range(rng.randint(0, 8)))
        answer = Answer(random_text(rng, 50), True, sentences, passages, 9,
                            ("2016-01-01", "2019-01-01"), "")
        pages = render.answer_pages(answer, page_size=rng.randint(1, 8), index_date="2024-01-01")
        assert_within_limits(pages)
        numbering = Numbering()
        lines = {citation_line(numbering.number(s.citation), s.citation) for s in sentences}
        text = "\n".join(p.description or "" for p in pages)
        for line in lines:
            assert line in text
        for page in pages:
            assert_inert(page.description or "")


def test_answer_pages_bold_the_answering_phrase_and_escape_the_rest() -> None:
    text = "Six *people* @everyone, including three children, were killed."
    cite = Citation("d", "T", None, None, 3)
    answer = Answer("How many?", True, (CitedSentence(text, cite),), (), 6, (None, None), text,
                    0.9, (Span("Six", 0, 3),))
    (page,) = render.answer_pages(answer)
    description = page.description or ""
    assert description.startswith("**Six** \\*people\\*")
    assert_inert(description.replace("**Six**", "Six").replace(" **[1]**", ""))
    # a phrase that does not fit the sentence is ignored, not rendered broken
    odd = answer._replace(bold=(Span("x", 50, 99),))
    assert "**" not in (render.answer_pages(odd)[0].description or "").split(" **[1]**")[0]


def test_answer_pages_not_found_shows_message_and_passages() -> None:
    hit = SearchHit("d", "T", None, None, 1, 1.0, "some text about @here", None)
    answer = Answer("q?", False, (), (hit,), 6, ("2016-02-03", "2019-05-03"),
                        "Not found in the archive (searched 6 articles).")
    (page,) = render.answer_pages(answer)
    assert (page.description or "").startswith("Not found in the archive")
    assert "Closest passages" in (page.description or "")
    assert "6 articles (2016-02-03 to 2019-05-03)" in (page.footer.text or "")
    assert_inert(page.description or "")


def test_summary_and_quote_pages_within_limits() -> None:
    rng = random.Random(3)
    for _ in range(40):
        sentences = [CitedSentence(random_text(rng, rng.randint(1, 600)), random_citation(rng, i))
                     for i in range(rng.randint(0, 15))]
        pages = render.summary_pages(sentences, title=random_text(rng, 80),
                                     url="https://example.org/x")
        assert_within_limits(pages)
        quotes = [QuoteMatch(random_text(rng, rng.randint(1, 500)), random_text(rng, 5), f"d{i}",
                            random_text(rng, 30), None, "2018-01-01", i + 1, 87.5)
                  for i in range(rng.randint(0, 10))]
        qpages = render.quote_pages(quotes, query=random_text(rng, 100), page_size=3)
        assert_within_limits(qpages)
        for page in [*pages, *qpages]:
            assert_inert(page.description or "")


def test_total_embed_budget_with_maximal_parts() -> None:
    hits = tuple(SearchHit(f"d{i}", "T" * 400, "S" * 400, "2018-01-01", i, 1.0, "w " * 3000,
                           "https://example.org/" + "x" * 480) for i in range(25))
    result = SearchResult("q" * 300, (), 25, 1.0, hits)
    pages = render.search_pages(result, page_size=25, index_date="2024-01-01")
    assert_within_limits(pages)
    assert all(len(p.description or "") <= DESCRIPTION_MAX for p in pages)


def test_content_and_choice_names() -> None:
    assert len(render.content("x " * 3000)) <= render.CONTENT_MAX
    assert_inert(render.content("ping @everyone <@123>"))
    assert len(render.choice_name("word " * 100)) <= render.CHOICE_NAME_MAX
    assert len(render.thread_name("word " * 100)) <= render.THREAD_NAME_MAX
