"""``index.engine: ray`` (bot/runtime/ray_engine.py): shard actors on a local Ray (started
once for this file), their merged answers equal to the single index's, a killed actor
(restarted and asked again, or left out and said so), and a reindex under queries (every
answer from one generation); /ask and /summary through the shards."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, with_section
from bot.core.answers import ask as answer
from bot.core.answers import summarize
from bot.core.models import Filters, SearchResult
from bot.core.requests import AskRequest, SearchRequest, SummaryRequest
from bot.core.search import Archive, FiltersExcludeAllError
from bot.core.shard_storage import open_generation, shards_root, write_generation
from bot.core.shards import read_corpus
from bot.core.snapshot import Snapshot
from bot.core.tokenize import Tokenizer
from bot.runtime.ray_engine import RayEngine, ShardedSnapshot
from bot.runtime.service import ArchiveService, serve
from tests.conftest import SEEDS, modify_archive, settings_for
from tests.test_shards import PLAIN, QUERIES, synthetic_index

ray = pytest.importorskip("ray")


@pytest.fixture(scope="session")
def local_ray() -> Iterator[Any]:
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = with_section(Settings(), "index", engine="ray", shards=3,
                        path=tmp_path_factory.mktemp("ray") / "index")
    base = with_section(base, "tokenizer", stopwords=False, stemming=False)
    return with_section(base, "ray", timeout_seconds=20.0)


@pytest.fixture(scope="module")
def whole(settings: Settings) -> Archive:
    return Archive(synthetic_index(settings), settings, Tokenizer(PLAIN))


def sharded(local_ray: Any, whole: Archive, settings: Settings, n: int) -> ShardedSnapshot:
    gen = write_generation(whole.index, n, settings.index.path / f"shards-{n}")
    return ShardedSnapshot(whole, engine=RayEngine.start(settings, gen))


@pytest.fixture(scope="module")
def three(local_ray: Any, whole: Archive, settings: Settings) -> Iterator[ShardedSnapshot]:
    snap = sharded(local_ray, whole, settings, 3)
    yield snap
    snap.shards.retire(0)


def same(a: SearchResult, b: SearchResult) -> bool:
    return (a.total, a.terms, a.hits) == (b.total, b.terms, b.hits)


def check_parity(snap: ShardedSnapshot, whole: Archive, n: int) -> None:
    assert snap.shards.n_shards == n
    for query in QUERIES:
        assert snap.top(query, 10).pairs == whole.top(query, 10).pairs
        got, want = snap.search(query, 10), whole.search(query, 10)
        assert same(got, want)
        assert got.shards is not None and not got.shards.partial
        assert got.shards.describe() == f"{n} of {n} shards answered"


def test_ray_shards_answer_as_the_single_index(three: ShardedSnapshot, whole: Archive) -> None:
    check_parity(three, whole, 3)  # 2 to 5 shards without Ray: tests/test_shards.py


def test_five_ray_shards_and_their_retirement(local_ray: Any, whole: Archive,
                                             settings: Settings) -> None:
    snap = sharded(local_ray, whole, settings, 5)
    try:
        check_parity(snap, whole, 5)
    finally:
        snap.shards.retire(0)
    assert snap.shards.actors == []  # retired with nothing in flight: stopped at once


def test_filters_and_every_match(three: ShardedSnapshot, whole: Archive) -> None:
    request = SearchRequest.parse(three.settings, "w0 w7", 10, "2014-01-01", None, "gazette")
    assert same(three.search(request), whole.search(request))
    with pytest.raises(FiltersExcludeAllError, match="No article matches"):
        three.search(SearchRequest.parse(three.settings, "w0", 5, "2099-01-01"))
    for query, filters in (("w0 w3", Filters()), ("w9 w44", Filters(source="herald"))):
        got, want = three.rank(query, filters), whole.rank(query, filters)
        assert got.terms == want.terms and got.total == want.total
        assert got.paragraphs.tolist() == want.paragraphs.tolist()
        assert got.scores.tolist() == want.scores.tolist()
    assert three.top("w3", 4, Filters(source="wire")).pairs == whole.top(
        "w3", 4, Filters(source="wire")).pairs


def test_a_killed_actor_is_restarted_and_asked_again(three: ShardedSnapshot,
                                                     whole: Archive) -> None:
    want = whole.search("w1 w30", 8)
    ray.kill(three.shards.actors[1], no_restart=False)  # Ray restarts it (max_restarts)
    got = three.search("w1 w30", 8)
    assert same(got, want)
    assert got.shards is not None and got.shards.describe() == "3 of 3 shards answered"


def _until_dead(actor: Any, within_s: float = 60.0) -> None:
    """Return once ``actor`` no longer answers: ``ray.kill`` only asks Ray to kill it, and
    a call sent right after can still be answered (seen in CI: "3 of 3 shards")."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            ray.get(actor.ready.remote(), timeout=within_s)
        except ray.exceptions.RayActorError:
            return
    raise AssertionError(f"a killed actor still answers after {within_s} s")


def test_a_dead_shard_is_left_out_and_said_so(three: ShardedSnapshot) -> None:
    # the last test of the module's shards: one of them stays dead
    full = three.search("w0 w2", 25)
    ray.kill(three.shards.actors[2], no_restart=True)
    _until_dead(three.shards.actors[2])
    part = three.search("w0 w2", 25)
    assert part.shards is not None and part.shards.partial
    assert part.shards.describe() == "2 of 3 shards answered"
    assert 0 < part.total < full.total
    kept = [h for h in full.hits if h in part.hits]
    assert part.hits[:len(kept)] == tuple(kept) and len(kept) < len(full.hits)


def test_reindex_swaps_the_whole_generation_under_queries(local_ray: Any,
                                                          tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    settings = settings_for(tmp_path, archive)
    settings = with_section(settings, "index", engine="ray", shards=3)
    service, _ = ArchiveService.open(settings, isolate=True)  # the bot's: builds in a child
    first = service.current
    assert isinstance(first, ShardedSnapshot)
    # /ask ranks its passages on the shards: the single index's answer
    single = Snapshot(first.retrieval)
    for question in ("How many civilians were killed in ten days?", "Who vowed to wipe out "
                     "terrorists in Idlib?"):
        request = AskRequest.parse(settings, question)
        assert answer(first, request) == answer(single, request)
    for topic in ("Idlib offensive", "peace talks in Astana"):  # /summary ranks there too
        wanted = SummaryRequest.parse(settings, topic)
        assert summarize(first, wanted) == summarize(single, wanted)
    query = "zeppelins quokka census Idlib"
    before = first.search(query, 10)
    results: list[SearchResult] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        done = False
        while not done:
            done = stop.is_set()  # one more query once the swap is done: the new generation
            try:
                results.append(service.current.search(query, 10))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        modify_archive(archive)
        service.reindex()
    finally:
        stop.set()
        for t in threads:
            t.join()
    second = service.current
    assert isinstance(second, ShardedSnapshot) and second is not first
    assert second.shards.generation != first.shards.generation
    assert read_corpus(second.shards.generation).fingerprint == second.index.fingerprint
    after = second.search(query, 10)
    assert after.total != before.total  # the new articles' words now match
    assert not errors
    assert all(same(r, before) or same(r, after) for r in results)  # never a mix
    assert sum(same(r, after) for r in results) >= len(threads)
    first.shards.retire(0)  # retired by the reindex (after its grace): stop it now
    second.shards.retire(0)


def test_cli_search_through_the_shards(local_ray: Any, run: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    code, plain, _ = run("search", "Idlib ceasefire", "--json")
    assert code == 0
    monkeypatch.setenv("ARCHIVE_BOT_INDEX__ENGINE", "ray")
    monkeypatch.setenv("ARCHIVE_BOT_INDEX__SHARDS", "2")
    code, out, _ = run("index")
    assert code == 0 and "shards: 2 (gen-" in out
    code, sharded, _ = run("search", "Idlib ceasefire", "--json")
    assert code == 0
    got, want = json.loads(sharded), json.loads(plain)
    assert got["shards"] == {"answered": 2, "total": 2} and "shards" not in want
    assert (got["total"], got["results"]) == (want["total"], want["results"])


def test_a_damaged_shard_is_split_again(local_ray: Any, whole: Archive, settings: Settings,
                                        tmp_path: Path) -> None:
    two = with_section(settings, "index", shards=2, path=tmp_path / "index")
    gen = open_generation(whole.index, 2, shards_root(two.index.path))
    postings = next((gen / "shard-1").glob("gen-*/post_docs.npy"))
    postings.write_bytes(postings.read_bytes()[:-64])  # truncated: the shard does not load
    snap = serve(whole.index, two, whole.tokenizer)
    try:
        assert isinstance(snap, ShardedSnapshot) and snap.shards.generation != gen
        assert same(snap.search("w0 w4", 10), whole.search("w0 w4", 10))
    finally:
        snap.shards.retire(0)
