"""The work budget: a size limit charged before the work, a CPU-time limit checked during it,
a cancel event; and the answer paths (ask, summary, quote) that charge it."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import answers
from bot.core.answers.ask import Answer
from bot.core.answers.quotebook import QuoteResult
from bot.core.answers.summary import Summary
from bot.core.budget import Budget, WorkCancelledError, WorkTooLargeError
from bot.core.build import open_archive
from bot.core.requests import AskRequest, QuoteRequest, SummaryRequest
from bot.core.search import Archive
from bot.core.snapshot import Snapshot
from tests.conftest import SEEDS, settings_for


def ask(archive: Archive, question: str, budget: Budget | None = None) -> Answer:
    return answers.ask(Snapshot(archive), AskRequest.parse(archive.settings, question), budget)


def summarize(archive: Archive, topic: str | None = None, doc_id: str | None = None,
              sentences: int | None = None, budget: Budget | None = None) -> Summary:
    wanted = SummaryRequest.parse(archive.settings, topic, doc_id, sentences)
    return answers.summarize(Snapshot(archive), wanted, budget)


def find_quotes(archive: Archive, text: str, budget: Budget | None = None) -> QuoteResult:
    return answers.find_quotes(Snapshot(archive), QuoteRequest.parse(archive.settings, text),
                               budget)


QUESTION = "How many civilians were killed in ten days of air strikes?"


def ticking(step: float) -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += step


def test_size_limit_counts_every_charge() -> None:
    budget = Budget(max_bytes=1_000)
    budget.spend(600)
    with pytest.raises(WorkTooLargeError, match="too large to answer: it would read 1,100 "
                                                "bytes of archive text, and one request may "
                                                "read 1,000 bytes"):
        budget.spend(500)


def test_size_in_megabytes_and_zero_means_no_limit() -> None:
    with pytest.raises(WorkTooLargeError, match=r"3\.0 MB .* 1\.0 MB"):
        Budget(max_bytes=1_000_000).spend(3_000_000)
    Budget(max_bytes=0).spend(10**12)  # no limit


def test_time_limit_starts_at_the_first_check() -> None:
    clock = ticking(1.0)
    budget = Budget(max_seconds=2.5, clock=lambda: next(clock))
    budget.check()  # starts the clock (0 s)
    budget.check()  # 1 s
    budget.check()  # 2 s
    with pytest.raises(WorkTooLargeError, match=r"more than 2.5 s of work"):
        budget.check()  # 3 s


def test_time_is_this_threads_cpu_time() -> None:
    budget = Budget(max_seconds=60)
    budget.check()
    done = threading.Event()
    threading.Thread(target=lambda: (budget.check(), done.set())).start()
    assert done.wait(5)  # another thread's clock started later: still within the budget


def test_cancel_stops_work_at_the_next_check() -> None:
    cancel = threading.Event()
    budget = Budget(cancel=cancel)
    budget.check()
    cancel.set()
    with pytest.raises(WorkCancelledError, match="restarting"):
        budget.check()


def test_paragraphs_are_charged_their_bytes(seed_archive: Archive) -> None:
    index = seed_archive.index
    doc = index.docs[0]
    paragraphs = range(doc.first, doc.first + doc.count)
    size = sum(len(index.text(p).encode("utf-8")) for p in paragraphs)
    budget = Budget()
    budget.spend_paragraphs(index, paragraphs)
    assert budget.used == size


def test_summary_over_the_budget_is_refused_before_the_work(seed_archive: Archive) -> None:
    doc = max(seed_archive.index.docs, key=lambda d: d.count)
    checks: list[float] = []
    budget = Budget(max_bytes=500, clock=lambda: checks.append(0.0) or 0.0)
    with pytest.raises(WorkTooLargeError, match="too large"):
        summarize(seed_archive, doc_id=doc.doc_id, budget=budget)
    assert checks == []  # refused by size before a single sentence was looked at


def test_the_overview_passes_over_an_article_too_large_for_the_budget(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    text = "\n\n".join(f"The harvest ledger of year {i} counted many lanterns near the mill."
                       for i in range(400))  # ~25 kB, the most recent article
    (archive / "big.jsonl").write_text(json.dumps(
        {"id": "big", "title": "Ledger", "date": "2024-01-01", "text": text}) + "\n")
    loaded, _ = open_archive(settings_for(tmp_path, archive))
    budget = Budget(max_bytes=15_000)
    summary = summarize(loaded, sentences=3, budget=budget)
    cited = {s.citation.doc_id for s in summary.sentences}
    assert len(cited) == 3 and "big" not in cited  # the next three most recent instead
    assert budget.used <= 15_000
    with pytest.raises(WorkTooLargeError):  # asked for by name, it is refused
        summarize(loaded, doc_id="big", budget=Budget(max_bytes=15_000))


def test_summary_time_budget_checked_per_sentence(seed_archive: Archive) -> None:
    clock = ticking(0.01)
    budget = Budget(max_seconds=0.05, clock=lambda: next(clock))  # five sentences' worth
    with pytest.raises(WorkTooLargeError, match=r"more than 0\.05 s"):
        summarize(seed_archive, "peace talks in Astana", budget=budget)


def test_ask_charges_its_passages(seed_archive: Archive) -> None:
    with pytest.raises(WorkTooLargeError, match="too large"):
        ask(seed_archive, QUESTION, budget=Budget(max_bytes=1_000))
    budget = Budget(max_bytes=10_000_000)
    answer = ask(seed_archive, QUESTION, budget=budget)
    assert answer.found and 0 < budget.used <= 10_000_000


def test_defaults_come_from_the_settings(seed_archive: Archive) -> None:
    settings = seed_archive.settings.answers
    assert (settings.max_work_bytes, settings.max_work_seconds) == (1_000_000, 5.0)
    assert ask(seed_archive, QUESTION).found  # the seeds are well inside it


def test_quote_lookup_charges_its_candidates(seed_archive: Archive) -> None:
    words = "nobody doubts the usefulness of the astana platform"
    with pytest.raises(WorkTooLargeError):
        find_quotes(seed_archive, words, budget=Budget(max_bytes=10))
    budget = Budget()
    assert find_quotes(seed_archive, words, budget=budget).matches
    assert budget.used > 0
