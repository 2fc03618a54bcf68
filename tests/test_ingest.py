"""Tests for the ingester: the five real seed captures, every file format, malformed files,
metadata overrides and date normalisation. Archives are ingested by the build pipeline
(:func:`bot.core.build.run`), the one path production uses too."""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import BM25Settings, TokenizerSettings
from bot.core.build import Source, all_skipped, run
from bot.core.ingest import (
    DEFAULT_MAX_PARAGRAPH_CHARS,
    apply_metadata,
    cap_paragraphs,
    iter_archive_files,
    list_archive,
    load_metadata,
    normalize_date,
    parse_file,
    split_paragraph,
)
from bot.core.models import Article, Skipped
from bot.core.tokenize import Tokenizer
from bot.errors import IngestError

SEEDS = Path(__file__).parents[1] / "seeds"


@dataclass(frozen=True, slots=True)
class Ingested:
    articles: list[Article]
    skipped: list[Skipped]
    files: int
    split: int


def ingest_archive(root: Path, metadata_file: Path | None = None, *,
                   max_paragraph_chars: int | None = DEFAULT_MAX_PARAGRAPH_CHARS,
                   follow_symlinks: bool = False) -> Ingested:
    """What the build pipeline makes of ``root``: its articles as indexed, in index order,
    and everything it skipped."""
    source = Source(root, metadata_file, follow_symlinks, max_paragraph_chars)
    index, plan = run(source, Tokenizer(TokenizerSettings()), BM25Settings())
    articles = [Article(d.doc_id, d.title, tuple(index.paragraphs_of(d)), d.path, d.date,
                        d.source, d.author, d.url) for d in index.docs]
    split = sum(index.extras["split"].values())
    return Ingested(articles, list(all_skipped(index)), len(plan.tasks), split)

BOILERPLATE_MARKERS = (
    "READ:",
    "min read",
    "Creating new perspectives",
    "Blog at",
    "Comments 25",
    "Up ↑",
    "Weblog",
    "parallel blog",
    "to be continued",
    "Read more on this issue",
    "[Anadolu",
)

# Expected results, counted by hand from the files (line numbers are those of the seed file):
#
# 000: l.1 "clear" (lone word), l.3 tagline, l.5 title, l.7 date, l.9 caption "[... Anadolu
#      Agency]", l.23 and l.37 "READ: ..." are not body. Body: l.11-21 (6) + l.25-35 (6) = 12.
#      Source from the Middle East Monitor tagline "Creating new perspectives since 2009".
# 001: l.1 title, l.3 title repeated, l.5 "5 min read", l.6 date, l.7 caption "[Anadolu]" are
#      not body; l.4 standfirst is a real sentence and is kept. Subheadings l.36 "Not
#      optimistic" and l.57 'UN Intelligence-gathering cell"' are dropped. Quote + em-dash
#      attribution (l.21-22, l.40-41) are one paragraph each. Body: l.4, 9-19 (6), 21-22,
#      24-34 (6), 38, 40-41, 43-55 (7), 59-87 (15) = 1+6+1+6+1+1+7+15 = 38. No explicit source
#      ("The New Arab" only appears inside the text).
# 002: two articles. First: l.1 and l.3 blog taglines, l.7 title, standfirst l.10 kept (a
#      sentence), single-newline paragraphs l.11-15 (5), subheading l.16, l.17-19 (3), l.21-24
#      (4), subheading l.25, l.26-28 (3), caption l.30, l.32-37 (6), subheading l.39, l.40-42
#      (3), l.44-47 (4), subheading l.48, l.49-55 (7); l.57 "to be continued here" ends it:
#      1+5+3+4+3+6+3+4+7 = 36. Second: l.59 title, l.61 "Comments 25", l.64 byline
#      "By Editorial Board April 18" (author; no year so no date), body l.66-80 = 8; l.82
#      "Read more on this issue:" + the cross-link l.84, "Blog at", "Up ↑" are footer.
# 003: l.1 "#########", l.3 section label, l.5 title, l.8 dek (no final punctuation: header),
#      l.10 date, l.13 title repeated, l.15 "Source: Middle East Eye", l.46 trailing outlet line.
#      Body l.17-43 = 14.
# 004: same layout as 000: l.1, 3 boilerplate, l.5 title, l.7 date, l.9 caption; body
#      l.11-35 = 13.
SEED_EXPECTATIONS = [
    pytest.param(
        "000_92e0ac5bf622c90d",
        "Russia threatens to eliminate Syria opposition who refuse to flee to Idlib",
        "2018-05-16",
        "Middle East Monitor",
        None,
        12,
        "Russian presidential envoy Alexander Lavrentyev has threatened to eliminate Syrian "
        "opposition factions that resist being deported to the northern stronghold of Idlib, "
        "according to Syria Call news agency.",
        "Despite agreeing yesterday that the de-escalation status of Idlib must be protected, "
        "the governorate has continued to be bombarded by Russian warplanes. Airstrikes on the "
        "residential area of Ariha city killed two girls yesterday, with the White Helmets "
        "defence unit reporting that Syrian regime strikes left at least eight civilians dead "
        "earlier today.",
        id="000",
    ),
    pytest.param(
        "001_1a747fc895aa23e5",
        "Russia will continue to bomb Syria despite peace talks",
        "2016-02-03",
        None,
        None,
        38,
        "Russia has said it will continue to bomb Syria until victory against 'terrorists', a "
        "term Moscow applies to both rebels and extremist groups, as peace talks between warring "
        "factions falter.",
        "Another supervision team set up by the UN in 2012 ended its operations inside Syria "
        "after just four months stating the mission was too dangerous to continue.",
        id="001",
    ),
    pytest.param(
        "002_817d4b4767b2b63e",
        "Russia and Syria vow to ‘wipe out terrorists’ in Idlib",
        None,
        None,
        None,
        36,
        "Humanitarian fears grow as Russian and Syrian FMs signal all-out attack on last "
        "rebel-held stronghold is imminent.",
        "“They’ve appealed to the international community, particularly to the West, to give "
        "them money to rebuild the towns so that refugees will return and leave Europe but it "
        "seems they do not have the support as of yet,” Khodr said.",
        id="002",
    ),
    pytest.param(
        "002_817d4b4767b2b63e#2",
        "Syria’s new atrocities",
        None,
        None,
        "Editorial Board",
        8,
        "TWICE SINCE 2011, President Obama has delivered major speeches citing the free flow of "
        "oil as a U.S. “core interest” in the Middle East. The prevention of mass atrocities has "
        "been a lower priority; in a 2013 address Mr. Obama said that it should be pursued only "
        "in conjunction with allies and without the use of U.S. military force.",
        "Without question this would be a major undertaking: As a starting point it would "
        "require the creation of the northern Syrian safe zone that Mr. Obama has resisted for "
        "years. But it would offer a path to ending the Assad regime and its crimes. That makes "
        "it a more realistic course than the president’s refusal to act — which won’t protect "
        "core U.S. interests, or save a single child from a barrel bombing.",
        id="002#2",
    ),
    pytest.param(
        "003_03cdae4a38ed77fc",
        "US calls for end to Russian-backed air strikes in Syria’s Idlib",
        "2019-05-03",
        "Middle East Eye",
        None,
        14,
        "The United States on Tuesday condemned ongoing air strikes carried out by Russia and "
        "Syrian government forces in Idlib and northern Hama, accusing the forces of "
        "“blatantly” targeting humanitarian aid groups.",
        "More than 370,000 have been killed and endless rounds of negotiations have failed to "
        "stem the bloodshed.",
        id="003",
    ),
    pytest.param(
        "004_303e15b8da19fadf",
        "Syria: Russia wants opposition to withdraw from Aleppo",
        "2016-12-03",
        "Middle East Monitor",
        None,
        13,
        "Russia said today that it was ready for talks with the United States about the "
        "withdrawal of all Syrian opposition factions from eastern Aleppo where advances by the "
        "Russia and Iran-backed Syrian army and its Shia militia allies threaten to deal a "
        "crushing blow to the revolution.",
        "Armed opposition factions in Aleppo recently decided to dissolve their individual "
        "formations and to reform as the “Army of Aleppo” in an attempt to unify all their "
        "resources to be able to push back against the Assad regime onslaught.",
        id="004",
    ),
]


def _seed_articles() -> dict[str, Article]:
    articles: dict[str, Article] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        parsed, skipped = parse_file(path, SEEDS)
        assert skipped == []
        articles.update((a.doc_id, a) for a in parsed)
    return articles


@pytest.fixture(scope="module")
def seed_articles() -> dict[str, Article]:
    return _seed_articles()


@pytest.mark.parametrize(
    ("doc_id", "title", "date", "source", "author", "count", "first", "last"),
    SEED_EXPECTATIONS,
)
def test_seed_article(
    seed_articles: dict[str, Article],
    doc_id: str,
    title: str,
    date: str | None,
    source: str | None,
    author: str | None,
    count: int,
    first: str,
    last: str,
) -> None:
    article = seed_articles[doc_id]
    assert article.title == title
    assert article.date == date
    assert article.source == source
    assert article.author == author
    assert len(article.paragraphs) == count
    assert article.paragraphs[0] == first
    assert article.paragraphs[-1] == last
    assert article.path == doc_id.split("#")[0] + ".txt"
    for paragraph in article.paragraphs:
        assert paragraph == paragraph.strip()
        assert "\n" not in paragraph
        assert not any(marker in paragraph for marker in BOILERPLATE_MARKERS), paragraph
        assert paragraph != title


def test_seed_paragraphs_are_verbatim(seed_articles: dict[str, Article]) -> None:
    """Paragraphs are the source text with whitespace normalised, nothing else changed."""
    sources = {
        p.stem: re.sub(r"\s+", " ", p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")
    }
    for article in seed_articles.values():
        source = sources[article.doc_id.split("#")[0]]
        for paragraph in article.paragraphs:
            assert paragraph in source


def test_seed_subheadings_and_attributions(seed_articles: dict[str, Article]) -> None:
    first = seed_articles["001_1a747fc895aa23e5"].paragraphs
    assert first[7] == (
        "Russia is using the political process [in Geneva] to cover its military solution on "
        "the ground meant to shore up the Syrian regime. —Salem al-Muslet, HNC spokesperson"
    )
    assert first[15] == (
        "Whoever wants us to go into a unity government with these thugs who kill children is "
        "delusional. —Mohammed Alloush, HNC chief negotiator"
    )
    # A long line without final punctuation is a paragraph, not a subheading.
    assert first[25].endswith("military conduct of government and opposition forces")
    headings = {
        "Not optimistic",
        'UN Intelligence-gathering cell"',
        "Humanitarian concerns",
        "Warnings and reconstruction",
        "Nature of offensive unknown",
        "Russia pushing forward",
        "Statements & Reports",
    }
    for article in seed_articles.values():
        assert headings.isdisjoint(article.paragraphs)
        assert not any(p.endswith("Agency]") for p in article.paragraphs)


def test_ingest_seeds_folder() -> None:
    report = ingest_archive(SEEDS)
    assert report.files == 5
    assert report.skipped == []
    ids = [a.doc_id for a in report.articles]
    assert sorted(ids) == sorted(
        [
            "000_92e0ac5bf622c90d",
            "001_1a747fc895aa23e5",
            "002_817d4b4767b2b63e",
            "002_817d4b4767b2b63e#2",
            "003_03cdae4a38ed77fc",
            "004_303e15b8da19fadf",
        ]
    )
    assert all(not a.path.lower().startswith("readme") for a in report.articles)
    assert ingest_archive(SEEDS).articles == report.articles  # stable


def test_iter_archive_files_filters_and_sorts(tmp_path: Path) -> None:
    for rel in (
        "b.txt",
        "a.MD",
        "sub/dir/story.html",
        "sub/x.jsonl",
        "README.md",
        "sub/readme.TXT",
        ".hidden.txt",
        ".git/config.txt",
        "notes.pdf",
        "meta.jsonl",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    files = iter_archive_files(tmp_path, tmp_path / "meta.jsonl")
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "a.MD",
        "b.txt",
        "sub/dir/story.html",
        "sub/x.jsonl",
    ]


def test_nested_doc_ids(tmp_path: Path) -> None:
    (tmp_path / "sub" / "dir").mkdir(parents=True)
    (tmp_path / "sub" / "dir" / "story.txt").write_text(
        "A title\n\nThe only paragraph of this story is here.\n", encoding="utf-8"
    )
    report = ingest_archive(tmp_path)
    assert [(a.doc_id, a.path, a.title) for a in report.articles] == [
        ("sub/dir/story", "sub/dir/story.txt", "A title")
    ]


def _jsonl(*records: object) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"


def test_jsonl_good_broken_and_duplicate_lines(tmp_path: Path) -> None:
    (tmp_path / "feed.jsonl").write_text(
        _jsonl(
            {
                "id": "a1",
                "title": "First",
                "date": "May 3, 2019",
                "source": "Wire",
                "author": "Ann",
                "url": "https://x.test/a1",
                "text": "One line\nwrapped.\n\nSecond paragraph.",
            },
            "",
            "{not json",
            {"id": 7, "text": "Numeric id.", "date": "someday"},
            {"id": "no-text", "title": "Nothing"},
            {"id": "a1", "text": "Duplicate of the first."},
            ["not", "an", "object"],
            {"text": "No id at all.", "title": ""},
            {"id": "empty", "text": "  \n\n "},
        ),
        encoding="utf-8",
    )
    report = ingest_archive(tmp_path)
    by_id = {a.doc_id: a for a in report.articles}
    assert set(by_id) == {"a1", "7", "feed#8"}
    first = by_id["a1"]
    assert first.paragraphs == ("One line wrapped.", "Second paragraph.")
    assert (first.title, first.date, first.source, first.author, first.url) == (
        "First",
        "2019-05-03",
        "Wire",
        "Ann",
        "https://x.test/a1",
    )
    assert by_id["7"].date is None  # unparseable date is not a skip
    assert by_id["7"].title == "7"
    assert by_id["feed#8"].title == "feed#8"
    skipped = {s.line: s for s in report.skipped}
    assert set(skipped) == {3, 5, 6, 7, 9}
    assert all(s.path == "feed.jsonl" for s in report.skipped)
    assert "invalid JSON" in skipped[3].reason
    assert "text" in skipped[5].reason
    assert skipped[6].reason == "duplicate id"
    assert "object" in skipped[7].reason
    assert "text" in skipped[9].reason
    assert str(skipped[3]).startswith("feed.jsonl:3: ")


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(_jsonl({"id": "b", "text": "From jsonl."}), "utf-8")
    (tmp_path / "b.txt").write_text("Title\n\nA paragraph from the text file.\n", "utf-8")
    report = ingest_archive(tmp_path)
    assert [a.path for a in report.articles] == ["a.jsonl"]
    assert len(report.skipped) == 1
    assert report.skipped[0].path == "b.txt"
    assert report.skipped[0].reason.startswith("duplicate id")


def test_markdown_front_matter(tmp_path: Path) -> None:
    (tmp_path / "post.md").write_text(
        "---\ntitle: Front Title\ndate: 2018-05-16\nsource: The Outlet\nauthor: Ann Lee\n"
        "tags: [x]\n---\n# Heading Title\n\n"
        "Intro with **bold** markup, which stays as text.\n\n"
        "## A section\n\nSecond paragraph\nwrapped on two lines.\n",
        encoding="utf-8",
    )
    (tmp_path / "plain.markdown").write_text(
        "# Only A Heading Title\n\nBody paragraph of a plain markdown file.\n", "utf-8"
    )
    by_id = {a.doc_id: a for a in ingest_archive(tmp_path).articles}
    post, plain = by_id["post"], by_id["plain"]
    assert post.doc_id == "post"
    assert post.title == "Front Title"
    assert (post.date, post.source, post.author) == ("2018-05-16", "The Outlet", "Ann Lee")
    assert post.paragraphs == (
        "Intro with **bold** markup, which stays as text.",
        "Second paragraph wrapped on two lines.",
    )
    assert plain.title == "Only A Heading Title"
    assert plain.paragraphs == ("Body paragraph of a plain markdown file.",)


HTML_PAGE = """<!doctype html>
<html><head><title>Page Title | Site News</title>
<meta property="article:published_time" content="2019-05-03T10:00:00Z">
<meta property="og:site_name" content="Site News">
<meta name="author" content="Jane Doe">
<meta property="og:url" content="https://example.com/og">
<link rel="canonical" href="https://example.com/story">
<style>p { color: red }</style><script>var s = "<p>script text.</p>";</script>
</head><body>
<nav><ul><li>Home</li><li>A navigation sentence that must go.</li></ul></nav>
<header><h1>Big &amp; Bold Headline</h1><p>Header paragraph that must go.</p></header>
<article>
<p>First paragraph of the
   story, with an &ldquo;entity&rdquo;.</p>
<p>READ: Something else entirely</p>
<h2>Subhead</h2>
<p>Second paragraph<br>continues after a line break.</p>
<ul><li>A list item that is a full sentence.</li></ul>
<aside><p>Aside text that is a sentence.</p></aside>
<figure><img src="x.jpg"><figcaption>A caption [Reuters]</figcaption></figure>
</article>
<p>Outside the article, must go.</p>
<footer><p>Copyright footer sentence here.</p></footer>
</body></html>
"""


def test_html_meta_and_boilerplate(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(HTML_PAGE, encoding="utf-8")
    (article,), skipped = parse_file(tmp_path / "page.html", tmp_path)
    assert skipped == []
    assert article.doc_id == "page"
    assert article.title == "Big & Bold Headline"
    assert article.date == "2019-05-03"
    assert article.source == "Site News"
    assert article.author == "Jane Doe"
    assert article.url == "https://example.com/story"
    assert article.paragraphs == (
        "First paragraph of the story, with an “entity”.",
        "Second paragraph continues after a line break.",
        "A list item that is a full sentence.",
    )


def test_html_without_article_or_h1(tmp_path: Path) -> None:
    (tmp_path / "p.HTM").write_text(
        "<html><head><title>Plain Page</title></head><body>"
        "<p>A body paragraph that is a sentence.</p><time datetime='2016-02-03'>x</time>"
        "<script>ignored()</script><p>Another one, also a sentence.</p></body></html>",
        encoding="utf-8",
    )
    (article,), _ = parse_file(tmp_path / "p.HTM", tmp_path)
    assert article.title == "Plain Page"
    assert article.date == "2016-02-03"
    assert article.paragraphs == (
        "A body paragraph that is a sentence.",
        "Another one, also a sentence.",
    )


PARAGRAPHS = [
    "The first paragraph is a full sentence about the talks.",
    "“A quote that is its own paragraph,” he said.",
    "Another paragraph follows, and it also ends with a full stop.",
]


def test_single_newline_and_blank_line_paragraphs_match(tmp_path: Path) -> None:
    header = "A Title Line\n\nMay 3, 2019\n\n"
    (tmp_path / "blank.txt").write_text(header + "\n\n".join(PARAGRAPHS), encoding="utf-8")
    (tmp_path / "single.txt").write_text(header + "\n".join(PARAGRAPHS), encoding="utf-8")
    (blank,), _ = parse_file(tmp_path / "blank.txt", tmp_path)
    (single,), _ = parse_file(tmp_path / "single.txt", tmp_path)
    assert blank.paragraphs == single.paragraphs == tuple(PARAGRAPHS)
    assert blank.title == single.title == "A Title Line"
    assert blank.date == single.date == "2019-05-03"


def test_hard_wrapped_paragraphs_are_joined(tmp_path: Path) -> None:
    (tmp_path / "wrapped.txt").write_text(
        "Wrapped Title\n\n"
        "This paragraph was wrapped at a fixed width by the program that saved\n"
        "it, so its lines end in the middle of a sentence and must be joined\n"
        "back together.\n\n"
        "A second   paragraph\twith odd\u00a0spacing, also wrapped at the same\n"
        "width as the first one.\n",
        encoding="utf-8",
    )
    (article,), _ = parse_file(tmp_path / "wrapped.txt", tmp_path)
    assert article.paragraphs == (
        "This paragraph was wrapped at a fixed width by the program that saved it, so its "
        "lines end in the middle of a sentence and must be joined back together.",
        "A second paragraph with odd spacing, also wrapped at the same width as the first one.",
    )


def test_second_article_after_footer_marker(tmp_path: Path) -> None:
    (tmp_path / "two.txt").write_text(
        "First Story Title\n\nJune 1, 2020\n\n"
        "The first story has a paragraph here.\n\nAnd a second paragraph too.\n\n"
        "to be continued here\n\n"
        "Second Story Title\n\nBy Jane Roe June 2, 2020\n\n"
        "The second story opens with this paragraph.\n\nIt closes with this one.\n\n"
        "Read more on this issue:\n\nSome linked story: Who knows?\n\nBlog at\n",
        encoding="utf-8",
    )
    first, second = parse_file(tmp_path / "two.txt", tmp_path)[0]
    assert (first.doc_id, first.title, first.date) == ("two", "First Story Title", "2020-06-01")
    assert len(first.paragraphs) == 2
    assert (second.doc_id, second.title, second.author, second.date) == (
        "two#2",
        "Second Story Title",
        "Jane Roe",
        "2020-06-02",
    )
    assert second.paragraphs == (
        "The second story opens with this paragraph.",
        "It closes with this one.",
    )


def test_question_headline_before_date_is_the_title(tmp_path: Path) -> None:
    (tmp_path / "q.txt").write_text(
        "Will Idlib fall to the regime?\n\nMay 3, 2019\n\nThe first paragraph is here.\n",
        encoding="utf-8",
    )
    (article,), _ = parse_file(tmp_path / "q.txt", tmp_path)
    assert article.title == "Will Idlib fall to the regime?"
    assert article.paragraphs == ("The first paragraph is here.",)


def test_text_without_title_uses_doc_id(tmp_path: Path) -> None:
    (tmp_path / "untitled.txt").write_text(
        "Just a paragraph that is a sentence.\n\nAnd one more of them.\n", "utf-8"
    )
    (article,), _ = parse_file(tmp_path / "untitled.txt", tmp_path)
    assert article.title == "untitled"
    assert len(article.paragraphs) == 2


MALFORMED: list[tuple[str, bytes, str]] = [
    ("binary.txt", b"PK\x03\x04\x00\x00binary", "NUL"),
    ("utf16.txt", codecs.BOM_UTF16_LE + b"\x00\xd8", "not utf-16 text despite its byte-order"),
    ("empty.md", b"", "empty"),
    ("blank.html", b"  \n\t\n  ", "whitespace"),
    ("boiler.txt", b"clear\n\nCreating new perspectives since 2009\n\nREAD: x y\n", "no body"),
]


@pytest.mark.parametrize(("name", "data", "reason"), [pytest.param(*m, id=m[0]) for m in MALFORMED])
def test_parse_file_rejects_malformed(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(IngestError, match=re.escape(reason)):
        parse_file(tmp_path / name, tmp_path)


def test_latin1_text_is_decoded_and_the_encoding_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = ("Caf\xe9 owners protest\n\nThe owners of the caf\xe9s on the square said the "
            "new rules would cost them \xa3200 a week.\n")
    with caplog.at_level(logging.WARNING, logger="bot.core.ingest"):
        (article,), _ = parse_file(tmp_path / "x.txt", tmp_path, data=text.encode("latin-1"))
    assert article.title == "Caf\xe9 owners protest"
    assert article.paragraphs == (text.split("\n\n")[1].strip(),)
    notes = [r.getMessage() for r in caplog.records]
    assert notes == ["x.txt: not UTF-8: cp1252 assumed (detected; byte 0xe9 at offset 3)"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    data = "\ufeffA Title\n\nA paragraph after a byte order mark.\n".encode()
    (article,), _ = parse_file(tmp_path / "bom.txt", tmp_path, data=data)
    assert article.title == "A Title"


def test_ingest_skips_malformed_and_keeps_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name, data, _ in MALFORMED:
        (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text("Good\n\nA perfectly fine paragraph.\n", "utf-8")
    # Logged once at INFO: the build's report lists them (the CLI prints them once).
    with caplog.at_level(logging.INFO, logger="bot.core.build"):
        report = ingest_archive(tmp_path)
    assert report.files == len(MALFORMED) + 1
    assert [a.doc_id for a in report.articles] == ["good"]
    assert sorted(s.path for s in report.skipped) == sorted(m[0] for m in MALFORMED)
    for (name, _, reason), skip in zip(
        sorted(MALFORMED), sorted(report.skipped, key=lambda s: s.path), strict=True
    ):
        assert skip.path == name
        assert reason in skip.reason
        assert skip.line is None
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    for name, _, _ in MALFORMED:
        assert any(msg.startswith(f"skipped {name}: ") for msg in warned)


def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not block reading")
    (tmp_path / "good.txt").write_text("Good\n\nA perfectly fine paragraph.\n", "utf-8")
    locked = tmp_path / "locked.txt"
    locked.write_text("Locked\n\nA paragraph nobody can read.\n", "utf-8")
    locked.chmod(0)
    try:
        report = ingest_archive(tmp_path)
    finally:
        locked.chmod(0o644)
    assert [a.doc_id for a in report.articles] == ["good"]
    assert [(s.path, "cannot read" in s.reason) for s in report.skipped] == [("locked.txt", True)]


def test_unreadable_file_error_from_parse_file(tmp_path: Path) -> None:
    """Reading errors surface as IngestError whoever runs the test (a folder is unreadable)."""
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(IngestError, match="cannot read file"):
        parse_file(tmp_path / "dir.txt", tmp_path)


def test_missing_or_non_folder_root(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        ingest_archive(tmp_path / "nope")
    (tmp_path / "file.txt").write_text("x", "utf-8")
    with pytest.raises(IngestError, match="not a folder"):
        ingest_archive(tmp_path / "file.txt")


def _two_docs(root: Path) -> None:
    (root / "one.txt").write_text("Doc One\n\nMay 3, 2019\n\nThe first doc paragraph.\n", "utf-8")
    (root / "two.txt").write_text("Doc Two\n\nThe second doc paragraph.\n", "utf-8")


def test_metadata_file_overrides_fields(tmp_path: Path) -> None:
    _two_docs(tmp_path)
    (tmp_path / "metadata.yaml").write_text(
        "one:\n  title: Better Title\n  date: 16 May 2018\n  source: The Wire\n"
        "  url: https://x.test/one\n",
        encoding="utf-8",
    )
    report = ingest_archive(tmp_path)
    one, two = report.articles
    assert (one.title, one.date, one.source, one.url) == (
        "Better Title",
        "2018-05-16",
        "The Wire",
        "https://x.test/one",
    )
    assert one.paragraphs == ("The first doc paragraph.",)
    assert (two.title, two.date, two.source) == ("Doc Two", None, None)
    assert report.files == 2  # the metadata file is not a candidate


def test_metadata_json_explicit_path(tmp_path: Path) -> None:
    _two_docs(tmp_path)
    meta = tmp_path / "elsewhere.json"
    meta.write_text(json.dumps({"two": {"date": "2018-05-16T10:00:00Z", "author": None}}), "utf-8")
    loaded = load_metadata(meta)
    assert loaded.entries == {"two": {"date": "2018-05-16", "author": None}}
    assert loaded.problems == []
    report = ingest_archive(tmp_path, meta)
    assert report.articles[1].date == "2018-05-16"


def test_metadata_yml_default_name(tmp_path: Path) -> None:
    _two_docs(tmp_path)
    (tmp_path / "metadata.yml").write_text("two: {source: Found}\n", "utf-8")
    assert ingest_archive(tmp_path).articles[1].source == "Found"


DEEP = "[" * 10_000 + "]" * 10_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("one:\n  headline: X\n", "metadata.yaml:2: one: unknown field 'headline' "
                     "(allowed: title, date, source, author, url; field not applied)",
                     id="unknown-field"),
        pytest.param("- one\n- two\n", "metadata.yaml:1: expected a mapping of doc_id -> "
                     "fields, got a list; no metadata applied", id="list"),
        pytest.param("one: just a string\n", "metadata.yaml:1: one: entry is a single value, "
                     "not a mapping of fields (entry not applied)", id="entry-not-mapping"),
        pytest.param("one:\n  date: sometime\n", "metadata.yaml:2: one.date: unrecognised date "
                     "'sometime' (use YYYY-MM-DD) (field not applied)", id="bad-date"),
        pytest.param("one:\n  date: 2019-02-30\n", "metadata.yaml:2: one.date: unrecognised "
                     "date '2019-02-30' (use YYYY-MM-DD) (field not applied)",
                     id="unquoted-impossible-date"),
        pytest.param("one:\n  source: " + DEEP + "\n", "metadata.yaml:2: one.source: expected "
                     "text, got a list (field not applied)", id="deep-value"),
        pytest.param(DEEP + "\n", "metadata.yaml:1: expected a mapping of doc_id -> fields, "
                     "got a list; no metadata applied", id="deep-document"),
        pytest.param("one: " + DEEP + "\n", "metadata.yaml:1: one: entry is a list, not a "
                     "mapping of fields (entry not applied)", id="deep-entry"),
        pytest.param("one: [unclosed\n", "metadata.yaml:2: invalid YAML (expected ',' or ']', "
                     "but got '<stream end>'); no metadata applied", id="bad-yaml"),
        pytest.param("one:\n  title: [a, b]\n", "metadata.yaml:2: one.title: expected text, "
                     "got a list (field not applied)", id="list-value"),
        pytest.param("? [a, b]\n: {title: X}\n", "metadata.yaml:1: entry key is a list, not a "
                     "doc id (entry not applied)", id="list-key"),
    ],
)
def test_metadata_problems_are_reported_not_fatal(tmp_path: Path, text: str,
                                                  expected: str) -> None:
    """A bad entry, field or file is reported once, naming the file, line and key; the
    archive is still ingested."""
    _two_docs(tmp_path)
    (tmp_path / "metadata.yaml").write_text(text, "utf-8")
    report = ingest_archive(tmp_path)
    assert [a.doc_id for a in report.articles] == ["one", "two"]
    problems = [str(s) for s in report.skipped if s.path == "metadata.yaml"]
    assert problems == [expected]
    assert report.articles[0].date == "2019-05-03"  # the article's own date is kept


def test_metadata_keeps_the_good_fields_and_entries(tmp_path: Path) -> None:
    _two_docs(tmp_path)
    (tmp_path / "metadata.yaml").write_text(
        "one:\n  date: 2019-02-30\n  source: Kept Source\n  colour: red\n"
        "nobody: {source: X}\n"
        "two: {title: Better Two, date: 2018-05-16}\n", "utf-8")
    report = ingest_archive(tmp_path)
    one, two = report.articles
    assert (one.date, one.source) == ("2019-05-03", "Kept Source")
    assert (two.title, two.date) == ("Better Two", "2018-05-16")
    assert [(s.line, s.reason.split(":")[0]) for s in report.skipped] == [
        (2, "one.date"), (4, "one"), (5, "nobody")]
    assert report.skipped[-1].reason == "nobody: no document has this id (entry not applied)"


def test_metadata_star_default_applies_to_every_document(tmp_path: Path) -> None:
    _two_docs(tmp_path)
    (tmp_path / "metadata.yaml").write_text(
        '"*":\n  source: BBC\n  author: Desk\none:\n  source: The Wire\n', "utf-8")
    report = ingest_archive(tmp_path)
    one, two = report.articles
    assert (one.source, one.author) == ("The Wire", "Desk")  # its own entry wins
    assert (two.source, two.author) == ("BBC", "Desk")
    assert report.skipped == []  # "*" is not a doc id that matches nothing


def test_metadata_merge_keys_nulls_and_duplicates(tmp_path: Path) -> None:
    meta = tmp_path / "m.yaml"
    meta.write_text(
        "defaults: &d {source: Shared}\n"
        "one: {<<: *d, title: T, date: ~, author: 'null'}\n"
        "two: {title: A}\n"
        "two: {title: B}\n"
        "self: &s {<<: *s}\n", "utf-8")
    loaded = load_metadata(meta, "m.yaml")
    assert loaded.entries["one"] == {"source": "Shared", "title": "T", "date": None,
                                     "author": "null"}
    assert loaded.entries["two"] == {"title": "B"}
    assert [str(p) for p in loaded.problems] == [
        "m.yaml:4: two: a second entry for this doc id (line 3); this one replaces it"]


def test_metadata_unreadable_or_not_utf8(tmp_path: Path) -> None:
    meta = tmp_path / "m.yaml"
    meta.write_bytes(b"one: {title: caf\xe9}\n")
    assert [p.reason for p in load_metadata(meta, "m.yaml").problems] == [
        "metadata file is not UTF-8 text; no metadata applied"]
    assert "cannot read metadata file" in load_metadata(tmp_path).problems[0].reason


def test_front_matter_with_bad_values_does_not_stop_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: Kept\ndate: 2019-02-30\ntags: " + DEEP + "\n---\n"
        "May 3, 2019\n\nThe body paragraph of the markdown file.\n", "utf-8")
    (article,), _ = parse_file(tmp_path / "a.md", tmp_path)
    assert (article.title, article.date) == ("Kept", "2019-05-03")  # the text's own date
    (tmp_path / "b.md").write_text("---\ntitle: " + DEEP + "\n---\nBody text here.\n")
    with pytest.raises(IngestError, match="front matter field 'title': expected text, got a"):
        parse_file(tmp_path / "b.md", tmp_path)
    (tmp_path / "c.md").write_text("---\ntitle: [unclosed\n---\nBody text here.\n")
    with pytest.raises(IngestError, match="front matter: invalid YAML") as info:
        parse_file(tmp_path / "c.md", tmp_path)
    assert info.value.line == 3


def test_jsonl_deeply_nested_line_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"id": "ok", "text": "Fine text."}\n{"id": "deep", "text": ' + DEEP + "}\n", "utf-8")
    articles, skipped = parse_file(tmp_path / "a.jsonl", tmp_path)
    assert [a.doc_id for a in articles] == ["ok"]
    assert skipped == [Skipped("a.jsonl", "invalid JSON (nested too deeply)", 2)]


def test_missing_explicit_metadata_file(tmp_path: Path) -> None:
    """Reported, never fatal (as every metadata problem): the archive is ingested without."""
    _two_docs(tmp_path)
    report = ingest_archive(tmp_path, tmp_path / "missing.yaml")
    assert [a.doc_id for a in report.articles] == ["one", "two"]
    assert [str(s) for s in report.skipped] == [
        "missing.yaml: metadata file not found; no metadata applied"]


def test_apply_metadata() -> None:
    article = Article("d", "Old", ("p.",), "d.txt", date="2019-05-03", source="S")
    updated = apply_metadata(article, {"title": "New", "date": "May 16, 2018", "source": None})
    assert (updated.title, updated.date, updated.source) == ("New", "2018-05-16", None)
    assert apply_metadata(article, {"title": None}) == article
    with pytest.raises(IngestError, match="unknown metadata field"):
        apply_metadata(article, {"colour": "red"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("May 16, 2018 at 3:58 pm", "2018-05-16"),
        ("03 February, 2016", "2016-02-03"),
        ("May 3, 2019", "2019-05-03"),
        ("December 3, 2016 at 4:41 pm", "2016-12-03"),
        ("2018-05-16", "2018-05-16"),
        ("16 May 2018", "2018-05-16"),
        ("2018-05-16T10:00:00Z", "2018-05-16"),
        ("2018-05-16T10:00:00+02:00", "2018-05-16"),
        ("Thursday, May 3, 2019", "2019-05-03"),
        ("Sept. 5, 2017", "2017-09-05"),
        ("  3rd   May 2019 ", "2019-05-03"),
        ("garbage", None),
        ("", None),
        ("April 18", None),
        ("May 2019", None),
        ("2019-02-30", None),
        ("It happened on May 3, 2019.", None),
    ],
)
def test_normalize_date(text: str, expected: str | None) -> None:
    assert normalize_date(text) == expected


# --- listing the archive: symlinks, special files, unreadable folders ---------------------

ARTICLE = "A linked article\n\nThe walrus paragraph of a linked article is here.\n"


def _listed(root: Path, **kwargs: object) -> tuple[list[str], list[str]]:
    listing = list_archive(root, **kwargs)  # type: ignore[arg-type]
    return ([f.relative_to(root).as_posix() for f in listing.files],
            [str(s) for s in listing.skipped])


def test_symlink_leaving_the_archive_is_not_followed(tmp_path: Path) -> None:
    archive, outside = tmp_path / "archive", tmp_path / "outside"
    archive.mkdir()
    (outside / "deep").mkdir(parents=True)
    (outside / "secret.txt").write_text(ARTICLE, "utf-8")
    (outside / "deep" / "more.txt").write_text(ARTICLE, "utf-8")
    (archive / "own.txt").write_text(ARTICLE, "utf-8")
    (archive / "host.txt").symlink_to(outside / "secret.txt")
    (archive / "mounted").symlink_to(outside)
    reason = ("symbolic link leads outside the archive folder "
              "(set archive.follow_symlinks: true to follow it)")
    assert _listed(archive) == (["own.txt"], [f"host.txt: {reason}", f"mounted: {reason}"])
    # With the setting, links out are followed; a file reached twice is listed once.
    assert _listed(archive, follow_symlinks=True) == (
        ["host.txt", "mounted/deep/more.txt", "own.txt"],
        ["mounted/secret.txt: already in the archive (host.txt)"])


def test_symlinks_inside_the_archive(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "story.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "a_link.txt").symlink_to(tmp_path / "real" / "story.txt")
    (tmp_path / "b_dir").symlink_to("real")
    (tmp_path / "z_link.txt").symlink_to("real/story.txt")
    (tmp_path / "elsewhere.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "named.txt").symlink_to("elsewhere.dat")
    (tmp_path / "elsewhere.dat").write_text(ARTICLE, "utf-8")
    files, skipped = _listed(tmp_path)
    # The real file wins over links to it (whatever their names sort as); a link to a
    # non-article file inside the archive is an article under the link's name.
    assert files == ["elsewhere.txt", "named.txt", "real/story.txt"]
    assert skipped == [
        "a_link.txt: symbolic link to a file already in the archive (real/story.txt)",
        "b_dir: symbolic link to a folder already in the archive (real/)",
        "z_link.txt: symbolic link to a file already in the archive (real/story.txt)",
    ]


def test_loops_dangling_links_and_special_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    (tmp_path / "self.txt").symlink_to("self.txt")
    (tmp_path / "gone.txt").symlink_to("nowhere.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "to_pipe.txt").symlink_to("pipe.txt")
    files, skipped = _listed(tmp_path)
    assert files == ["good.txt"]
    assert skipped == [
        "gone.txt: dangling symbolic link (its target does not exist)",
        "pipe.txt: a named pipe (FIFO), not a file",
        "self.txt: symbolic link loop",
        "sub/up: symbolic link loop (leads back to the archive folder)",
        "to_pipe.txt: symbolic link to a named pipe (FIFO), not a file",
    ]
    report = ingest_archive(tmp_path)  # and nothing blocks on the FIFO
    assert [a.doc_id for a in report.articles] == ["good"]
    assert len(report.skipped) == 5


def test_unreadable_folder_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "good.txt").write_text(ARTICLE, "utf-8")
    real_scandir = os.scandir

    def scandir(path: os.PathLike[str] | str) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert _listed(tmp_path) == (["good.txt"],
                                 ["locked: cannot read folder (Permission denied)"])


# --- capping paragraph length ------------------------------------------------------------

SENTENCE = "The convoy reached the besieged town of Madaya after weeks of talks. "


def test_split_paragraph_at_sentence_boundaries() -> None:
    text = (SENTENCE * 30).strip()
    pieces = split_paragraph(text, 500)
    assert all(len(p) <= 500 for p in pieces)
    assert all(p.startswith("The convoy") and p.endswith("talks.") for p in pieces)
    assert " ".join(pieces) == text  # verbatim, nothing lost
    per_piece = (500 + 1) // len(SENTENCE)  # whole sentences, joined by one space
    assert [len(p) for p in pieces[:-1]] == [per_piece * len(SENTENCE) - 1] * (len(pieces) - 1)
    assert len(pieces) == -(-30 // per_piece)
    assert split_paragraph("Short one. Two.", 500) == ["Short one. Two."]


def test_split_paragraph_hard_splits_a_sentence_too_long_alone() -> None:
    words = "Word0 " + " ".join(f"word{i}" for i in range(1, 400))  # one long sentence
    text = f"A first sentence here. {words}. A last sentence."
    pieces = split_paragraph(text, 500)
    assert pieces[0] == "A first sentence here."
    assert pieces[-1] == "A last sentence."
    assert all(len(p) <= 500 for p in pieces)
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in pieces)
    assert " ".join(pieces) == text  # cut at white space only
    unbroken = "x" * 1200
    assert split_paragraph(unbroken, 500) == ["x" * 500, "x" * 500, "x" * 200]


def test_cap_paragraphs_keeps_them_consecutive() -> None:
    long = (SENTENCE * 100).strip()
    article = Article("d", "T", ("First.", long, "Last."), "d.txt")
    capped, split = cap_paragraphs(article, 1000)
    assert split == 1
    assert capped.paragraphs[0] == "First." and capped.paragraphs[-1] == "Last."
    assert " ".join(capped.paragraphs[1:-1]) == long
    assert all(len(p) <= 1000 for p in capped.paragraphs)
    assert cap_paragraphs(article, None) == (article, 0)
    assert cap_paragraphs(article, 100_000) == (article, 0)


def test_ingest_caps_paragraphs_and_counts_them(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("A long article\n\n" + SENTENCE * 2000 + "\n\nEnd here.\n")
    report = ingest_archive(tmp_path, max_paragraph_chars=4000)
    (article,) = report.articles
    assert report.split == 1
    assert max(map(len, article.paragraphs)) <= 4000
    assert article.paragraphs[-1] == "End here."
    per_piece = (4000 + 1) // len(SENTENCE)
    assert len(article.paragraphs) == -(-2000 // per_piece) + 1


# --- control characters and bidi overrides ------------------------------------------------

HOSTILE = "\u202e\u2066\x1b\x07\x85\x9b\u202a\x7f"  # (a NUL byte makes a file binary)


def test_control_characters_are_stripped_from_every_field(tmp_path: Path) -> None:
    h = HOSTILE.replace("\x85", "")  # NEL breaks a capture's line, like a newline
    (tmp_path / f"cap{h}.txt").write_text(
        f"Evil{h} title\n\nBy Jane{h} Doe\n\nThe zebra{h} convoy \u2066arrived\u2069 today.\n\n"
        f"Source: Bad{h}News\n", "utf-8")
    (tmp_path / "front.md").write_text(
        f'---\ntitle: "Front\\u202e title"\nsource: "Src\\x1b[2J"\nauthor: "A\\0B"\n---\n'
        f"The zebra body{h} of markdown is here.\n", "utf-8")
    (tmp_path / "page.html").write_text(
        '<html><head><title>x</title><meta property="og:site_name" content="Site&#x202e;">'
        '<link rel="canonical" href="https://x.test/&#x202e;p"></head><body><article>'
        "<h1>Html&#8238; title</h1><p>The zebra &#x202e;paragraph&#x0; in html.</p>"
        "</article></body></html>", "utf-8")
    h = HOSTILE
    (tmp_path / "lines.jsonl").write_text(json.dumps({
        "id": f"j{h}1", "title": f"Json{h}\x00 title", "source": f"S{h}", "author": f"A{h}",
        "url": f"https://x.test/{h}", "text": f"The zebra{h} of json.\n\nSecond{h} one.",
    }) + "\n", "utf-8")
    (tmp_path / "metadata.yaml").write_text(
        '"j1": {source: "Meta\\u202e source", title: "T\\x00itle\\x9b"}\n', "utf-8")
    report = ingest_archive(tmp_path)
    assert len(report.articles) == 4 and report.skipped == []
    forbidden = set(HOSTILE) | {"\u2069", "\x00", "\u202c"}
    for article in report.articles:
        for value in (article.doc_id, article.title, article.source, article.author,
                      article.url, *article.paragraphs):
            assert not forbidden & set(value or ""), (article.doc_id, value)
    by_id = {a.doc_id: a for a in report.articles}
    assert by_id["j1"].source == "Meta source" and by_id["j1"].title == "Title"
    assert by_id["cap"].paragraphs == ("The zebra convoy arrived today.",)
    assert by_id["cap"].source == "BadNews" and by_id["cap"].author == "Jane Doe"
    assert by_id["page"].url == "https://x.test/p"
    assert by_id["front"].source == "Src[2J"
