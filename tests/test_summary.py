"""``summarize``: every sentence verbatim in the paragraph it cites, in every mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.answers import Summary, suggest_documents
from bot.core.answers import summarize as summarise
from bot.core.build import open_archive
from bot.core.models import Filters
from bot.core.requests import SummaryRequest
from bot.core.search import FiltersExcludeAllError
from bot.core.snapshot import Snapshot
from bot.errors import QueryError, UnknownDocumentError
from tests.conftest import settings_for


def summarize(snapshot: Snapshot, topic: str | None = None, doc_id: str | None = None,
              sentences: int | None = None, filters: Filters = Filters()) -> Summary:
    """The CLI's and Discord's path: the request parsed, then summarised."""
    return summarise(snapshot, SummaryRequest.parse(
        snapshot.settings, topic, doc_id, sentences, filters.date_from, filters.date_to,
        filters.source))


TOPICS = ["Idlib offensive", "chlorine barrel bombs", "Aleppo", "peace talks in Astana",
          "refugees", "ceasefire monitoring", "Lavrov"]


def assert_verbatim(archive: Snapshot, summary: Summary) -> None:
    index = archive.index
    for s in summary.sentences:
        c = s.citation
        doc = index.docs[index.doc_lookup[c.doc_id]]
        assert 1 <= c.paragraph <= doc.count
        assert s.text in index.paragraphs_of(doc)[c.paragraph - 1], s.text
        assert (c.title, c.date, c.source) == (doc.title, doc.date, doc.source)


def positions(archive: Snapshot, summary: Summary) -> list[tuple[str, int, int, int]]:
    index = archive.index
    out = []
    for s in summary.sentences:
        c = s.citation
        i = index.doc_lookup[c.doc_id]
        text = index.paragraphs_of(index.docs[i])[c.paragraph - 1]
        out.append((c.date or "~", i, c.paragraph, text.index(s.text)))
    return out


def test_every_seed_document(seed_snapshot: Snapshot) -> None:
    for doc in seed_snapshot.index.docs:
        for n in (1, 3, 5, 15):
            summary = summarize(seed_snapshot, doc_id=doc.doc_id, sentences=n)
            assert summary.doc_id == doc.doc_id and summary.topic is None
            assert 1 <= len(summary.sentences) <= n
            assert {s.citation.doc_id for s in summary.sentences} == {doc.doc_id}
            assert_verbatim(seed_snapshot, summary)
            assert positions(seed_snapshot, summary) == sorted(positions(seed_snapshot, summary))
            assert len({s.text for s in summary.sentences}) == len(summary.sentences)


@pytest.mark.parametrize("topic", TOPICS)
def test_topics(seed_snapshot: Snapshot, topic: str) -> None:
    summary = summarize(seed_snapshot, topic)
    assert summary.topic == topic and summary.doc_id is None
    assert len(summary.sentences) == seed_snapshot.settings.answers.summary_sentences
    assert_verbatim(seed_snapshot, summary)
    # ordered by article date (undated last), then position in the article
    assert positions(seed_snapshot, summary) == sorted(positions(seed_snapshot, summary))
    assert len({s.text for s in summary.sentences}) == len(summary.sentences)


def test_topic_summary_is_about_the_topic(seed_snapshot: Snapshot) -> None:
    summary = summarize(seed_snapshot, "chlorine barrel bombs", sentences=3)
    assert any("chlorine" in s.text for s in summary.sentences)
    assert {s.citation.doc_id for s in summary.sentences} == {"002_817d4b4767b2b63e#2"}


def test_topic_summary_spans_articles(seed_snapshot: Snapshot) -> None:
    summary = summarize(seed_snapshot, "Idlib offensive", sentences=5)
    assert len({s.citation.doc_id for s in summary.sentences}) >= 2


def test_topic_within_one_article(seed_snapshot: Snapshot) -> None:
    summary = summarize(seed_snapshot, "ceasefire", doc_id="001_1a747fc895aa23e5", sentences=3)
    assert {s.citation.doc_id for s in summary.sentences} == {"001_1a747fc895aa23e5"}
    assert any("ceasefire" in s.text.casefold() for s in summary.sentences)
    assert_verbatim(seed_snapshot, summary)


def test_document_summary_leads_with_the_lead(seed_snapshot: Snapshot) -> None:
    summary = summarize(seed_snapshot, doc_id="000_92e0ac5bf622c90d", sentences=3)
    assert "Alexander Lavrentyev has threatened" in summary.sentences[0].text


def test_overview_of_the_archive(seed_snapshot: Snapshot) -> None:
    summary = summarize(seed_snapshot, sentences=6)
    assert summary.topic is None and summary.doc_id is None
    assert len(summary.sentences) == 6
    # the most recent articles: the four dated ones of the six, none undated
    cited = {s.citation.doc_id for s in summary.sentences}
    dated = {d.doc_id for d in seed_snapshot.index.docs if d.date}
    assert cited == dated and len(dated) == 4
    assert_verbatim(seed_snapshot, summary)
    assert positions(seed_snapshot, summary) == sorted(positions(seed_snapshot, summary))
    more = summarize(seed_snapshot, sentences=15)
    assert len(more.sentences) == 15
    assert_verbatim(seed_snapshot, more)


def test_an_overview_of_an_undated_archive_still_lists_articles(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    for name in ("a", "b"):
        (archive / f"{name}.md").write_text(
            f"# Article {name}\n\nThe council met on Thursday to discuss the {name} bridge.\n",
            encoding="utf-8")
    snapshot = Snapshot(open_archive(settings_for(tmp_path, archive))[0])
    summary = summarize(snapshot, sentences=2)
    assert {s.citation.doc_id for s in summary.sentences} == {"a", "b"}
    assert {s.citation.date for s in summary.sentences} == {None}


def test_overview_prefers_recent_articles_and_honours_filters(seed_snapshot: Snapshot) -> None:
    summary = summarize(seed_snapshot, sentences=2)
    assert [s.citation.date for s in summary.sentences] == ["2018-05-16", "2019-05-03"]
    only = summarize(seed_snapshot, sentences=3, filters=Filters(source="Middle East Monitor"))
    assert {s.citation.source for s in only.sentences} == {"Middle East Monitor"}
    with pytest.raises(FiltersExcludeAllError):
        summarize(seed_snapshot, filters=Filters(date_to="2000-01-01"))


def test_topic_nothing_matches(seed_snapshot: Snapshot) -> None:
    summary = summarize(seed_snapshot, "xylophone quasar")
    assert summary.sentences == ()
    assert summary.message.startswith("Not found in the archive (searched 6 articles")


@pytest.mark.parametrize("n", [0, -1, 16, 100])
def test_sentence_count_is_bounded(seed_snapshot: Snapshot, n: int) -> None:
    with pytest.raises(QueryError, match="between 1 and 15"):
        summarize(seed_snapshot, "Idlib", sentences=n)


def test_topic_too_long(seed_snapshot: Snapshot) -> None:
    with pytest.raises(QueryError, match="topic is 301 characters long"):
        summarize(seed_snapshot, "x" * 301)


def test_unknown_document_suggests_close_matches(seed_snapshot: Snapshot) -> None:
    with pytest.raises(UnknownDocumentError) as err:
        summarize(seed_snapshot, doc_id="001_1a747fc895")
    message = str(err.value)
    assert "No article with id '001_1a747fc895'" in message
    assert "Did you mean: 001_1a747fc895aa23e5 (Russia will continue to bomb" in message
    with pytest.raises(UnknownDocumentError, match="Did you mean: 004_303e15b8da19fadf"):
        summarize(seed_snapshot, doc_id="russia wants opposition to withdraw from aleppo")


def test_document_outside_filters(seed_snapshot: Snapshot) -> None:
    with pytest.raises(QueryError, match="outside the date/source filters"):
        summarize(seed_snapshot, doc_id="000_92e0ac5bf622c90d",
                  filters=Filters(date_from="2019-01-01"))


def test_suggest_documents(seed_snapshot: Snapshot) -> None:
    assert suggest_documents(seed_snapshot, "aleppo")[0] == (
        "004_303e15b8da19fadf", "Syria: Russia wants opposition to withdraw from Aleppo")
    fuzzy = suggest_documents(seed_snapshot, "contineu to bomb sirya")
    assert fuzzy and fuzzy[0][0] == "001_1a747fc895aa23e5"
    recent = suggest_documents(seed_snapshot, "", limit=2)
    assert [d for d, _ in recent] == ["003_03cdae4a38ed77fc", "000_92e0ac5bf622c90d"]
    assert len(suggest_documents(seed_snapshot, "", limit=25)) == 6
    assert suggest_documents(seed_snapshot, "002_817") [0][0] == "002_817d4b4767b2b63e"
