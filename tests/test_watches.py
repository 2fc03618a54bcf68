"""bot.core.watches: the match rule (both sides) and which paragraphs are new for a watch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.build import open_archive
from bot.core.models import Filters
from bot.core.snapshot import Snapshot
from bot.core.watches import (
    MatchRule,
    TermWeight,
    WatchRequest,
    check_source,
    coverage,
    matches,
    new_matches,
    query_weights,
)
from bot.errors import QueryError
from tests.conftest import settings_for

RULE = MatchRule(top_k=50, min_coverage=0.75)
WATCH = WatchRequest("chlorine attack Idlib")

# Our own text: a small archive where "Idlib" is common and "chlorine" rare.
BASE = [
    ("idlib-1", "Shelling in Idlib", "Idlib province saw heavy shelling on Tuesday, residents "
     "said, as families left for the Turkish border."),
    ("idlib-2", "Aid reaches Idlib", "A convoy of twelve trucks carried flour and medicine "
     "into Idlib, the agency said."),
    ("idlib-3", "Market in Idlib", "Traders in Idlib reopened the covered market after weeks "
     "of closures."),
    ("douma", "Chlorine attack in Douma", "Inspectors said a chlorine attack hit Douma in "
     "April; the government denied any attack."),
    ("aleppo", "Aleppo water", "Engineers repaired the Aleppo water station after an attack "
     "on its pumps."),
]


def write_archive(folder: Path, articles: list[tuple[str, str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"id": doc, "title": title, "date": "2018-05-16",
                         "source": "Test Wire", "text": text})
             for doc, title, text in articles]
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def snapshot_of(tmp: Path, articles: list[tuple[str, str, str]]) -> Snapshot:
    settings: Settings = settings_for(tmp, archive=write_archive(tmp / "archive", articles))
    archive, _ = open_archive(settings)
    return Snapshot(archive)


def test_fires_for_a_new_article_with_every_term(tmp_path: Path) -> None:
    before = snapshot_of(tmp_path / "v1", BASE)
    baseline = matches(before, WATCH, RULE)
    assert baseline == []  # nothing has all three words yet (Douma: no Idlib)

    arrived = ("idlib-4", "Chlorine attack reported in Idlib",
               "Doctors in Idlib treated dozens after a chlorine attack on Saraqeb.")
    after = snapshot_of(tmp_path / "v2", [*BASE, arrived])
    fresh = new_matches(matches(after, WATCH, RULE), {m.key for m in baseline})
    assert [(m.hit.doc_id, m.hit.paragraph) for m in fresh] == [("idlib-4", 1)]
    assert fresh[0].coverage == pytest.approx(1.0)


def test_does_not_fire_for_a_new_article_mentioning_only_idlib(tmp_path: Path) -> None:
    arrived = ("idlib-5", "Schools reopen in Idlib",
               "Schools in Idlib reopened on Sunday with lessons in tents.")
    after = snapshot_of(tmp_path / "v2", [*BASE, arrived])
    ranked = after.top(WATCH.query, RULE.top_k, WATCH.filters)
    in_top = {after.hit(p, s).doc_id for p, s in ranked.pairs}
    assert "idlib-5" in in_top  # it ranks: the ranking alone would fire the watch
    assert all(m.hit.doc_id != "idlib-5" for m in matches(after, WATCH, RULE))
    # Nor do "chlorine attack" without Idlib (Douma), or one word of the three.
    assert matches(after, WATCH, RULE) == []


def test_coverage_weighs_terms_by_idf(tmp_path: Path) -> None:
    snap = snapshot_of(tmp_path, BASE)
    weights = query_weights(snap, "chlorine attack Idlib Idlib")
    assert [w.term for w in weights] == list(dict.fromkeys(snap.tokenizer(WATCH.query)))
    by_term = {w.term: w.weight for w in weights}
    idlib, chlorine = snap.tokenizer("Idlib")[0], snap.tokenizer("chlorine")[0]
    assert by_term[chlorine] > by_term[idlib]  # rarer: weighs more
    assert coverage(weights, {idlib}) < RULE.min_coverage
    assert coverage(weights, set(by_term)) == pytest.approx(1.0)
    assert coverage([], {"x"}) == 0.0
    # A word the archive has never used weighs the most a word can.
    unseen = {w.term: w.weight for w in query_weights(snap, "zeppelin Idlib")}
    assert unseen[snap.tokenizer("zeppelin")[0]] > by_term[chlorine]
    # The smaller of the two shares: of the terms' number and of their weight.
    assert coverage([TermWeight("a", 1.0), TermWeight("b", 3.0)], {"b"}) == 0.5
    four = [TermWeight("a", 1.0), TermWeight("b", 1.0), TermWeight("c", 1.0),
            TermWeight("d", 5.0)]
    assert coverage(four, {"b", "c", "d"}) == 0.75  # may miss a cheap one of four
    assert coverage(four, {"a", "b", "c"}) == 0.375  # not the one that carries the weight


def test_a_lower_threshold_fires_on_fewer_terms(tmp_path: Path) -> None:
    snap = snapshot_of(tmp_path, BASE)
    # In this archive "Idlib" is in most paragraphs: "chlorine attack" in Douma carries
    # most of the weight, but only two of the three words.
    loose = matches(snap, WATCH, MatchRule(top_k=50, min_coverage=0.6))
    assert {m.hit.doc_id for m in loose} == {"douma"}
    assert loose[0].coverage == pytest.approx(2 / 3)
    assert matches(snap, WATCH, MatchRule(top_k=1, min_coverage=0.6)) == loose  # ranks 1st
    assert matches(snap, WATCH, RULE) == []


def test_changed_paragraph_is_new_a_moved_one_is_not(tmp_path: Path) -> None:
    text = "Doctors in Idlib treated dozens after a chlorine attack on Saraqeb."
    before = snapshot_of(tmp_path / "v1", [*BASE, ("idlib-4", "Report", text)])
    seen = {m.key for m in matches(before, WATCH, RULE)}
    assert len(seen) == 1

    moved = snapshot_of(tmp_path / "v2", [*BASE, ("idlib-4", "Report",
                                                  "An introduction.\n\n" + text)])
    found = matches(moved, WATCH, RULE)
    assert [m.hit.paragraph for m in found] == [2]
    assert new_matches(found, seen) == []  # only moved down: not new

    changed = snapshot_of(tmp_path / "v3", [*BASE, ("idlib-4", "Report",
                                                    text + " Three died.")])
    assert [m.hit.doc_id for m in new_matches(matches(changed, WATCH, RULE), seen)] == [
        "idlib-4"]


def test_new_matches_keeps_rank_order_and_each_paragraph_once(tmp_path: Path) -> None:
    arrived = [("c1", "One", "A chlorine attack in Idlib city."),
               ("c2", "Two", "Idlib: chlorine attack, chlorine attack again, Idlib says.")]
    snap = snapshot_of(tmp_path, [*BASE, *arrived])
    found = matches(snap, WATCH, RULE)
    assert [m.hit.score for m in found] == sorted((m.hit.score for m in found), reverse=True)
    fresh = new_matches([*found, *found], set())
    assert len(fresh) == len(found) == 2
    assert new_matches(found, {found[0].key}) == found[1:]


def test_filters_that_leave_no_article_match_nothing(tmp_path: Path) -> None:
    snap = snapshot_of(tmp_path, [*BASE, ("c1", "One", "A chlorine attack in Idlib city.")])
    future = WatchRequest(WATCH.query, Filters("2030-01-01", None, None))
    assert matches(snap, future, RULE) == []
    assert len(matches(snap, WatchRequest(WATCH.query, Filters(None, None, "test")), RULE)) == 1


def test_request_validation(tmp_path: Path) -> None:
    settings = Settings()
    assert WatchRequest.parse(settings, "  chlorine   attack ") == WatchRequest("chlorine attack")
    parsed = WatchRequest.parse(settings, "x", "2018-01-01", "2018-12-31", " Reuters ")
    assert parsed.filters == Filters("2018-01-01", "2018-12-31", "Reuters")
    for args, message in (((" ",), "The query is empty"),
                          (("x" * 301,), "301 characters long; the limit is 300"),
                          (("x", "2018-13-01"), "from date '2018-13-01' is not a date"),
                          (("x", None, "soon"), "to date 'soon' is not a date"),
                          (("x", "2019-01-01", "2018-01-01"), "is after to date")):
        with pytest.raises(QueryError, match=message):
            WatchRequest.parse(settings, *args)
    snap = snapshot_of(tmp_path, BASE)
    check_source(snap, None)
    check_source(snap, "test wire")
    with pytest.raises(QueryError, match=r"Unknown source 'Reuters'; .*Test Wire"):
        check_source(snap, "Reuters")
