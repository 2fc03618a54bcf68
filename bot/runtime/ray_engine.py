"""``index.engine: ray``: the index's shards served by Ray actors, one per shard.

Each actor (:class:`ShardServer`) maps its shard (a v6 index folder) and scores it with the
whole corpus's statistics (:class:`~bot.core.shards.ShardArchive`). The coordinator
(:class:`RayEngine`) tokenizes once, sends the query's global term ids and filters to every
shard, and merges their top ``k`` (:func:`~bot.core.shards.merge`): the same paragraphs and
scores as the single index. A shard that fails (its actor died, or no answer within
``ray.timeout_seconds``) is asked once more (Ray restarts a dead actor, ``max_restarts``);
still nothing, and the answer comes from the shards that did answer, saying so
(:class:`~bot.core.models.ShardCount`).

:class:`ShardedSnapshot` is what the service serves: the whole index (memory-mapped, for
citations, filters' article counts and the quote book) with ``search``, ``top`` and ``rank``
answered by the shards: ``/search`` and ``/ask`` rank their passages there (each shard's
top ``k``), ``/summary`` its topic's paragraphs (each shard's every match, merged in the
whole index's order); ``/quote`` reads the whole index's quotations. Only ``search`` says
when a shard is missing (the other answers' records have no place for it). A reindex starts
a new generation's actors, swaps the snapshot in one assignment, and retires the old actors
once the queries that started on them are done (:meth:`RayEngine.retire`): no query mixes
generations.

``ray`` is an optional extra (``pip install 'archive-bot[cluster]'``), imported here only.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from bot.config import Settings
from bot.core.index import ArchiveIndex
from bot.core.models import Filters, SearchResult, ShardCount
from bot.core.requests import SearchRequest
from bot.core.search import Best, Ranked
from bot.core.shards import (
    Merged,
    MergedMatches,
    ShardAnswer,
    ShardArchive,
    ShardMatches,
    merge,
    merge_matches,
    read_corpus,
)
from bot.core.snapshot import Snapshot
from bot.core.tokenize import Tokenizer
from bot.errors import ArchiveBotError, ConfigError, IndexFormatError

log = logging.getLogger(__name__)


class ShardsUnavailableError(ArchiveBotError):
    """No shard answered a query."""


def import_ray() -> ModuleType:
    """The ``ray`` module, or a clear error when the extra is not installed."""
    try:
        return importlib.import_module("ray")
    except ImportError as exc:
        raise ConfigError("index.engine: ray needs Ray: pip install 'archive-bot[cluster]'"
                          ) from exc


def ensure_ray(settings: Settings) -> ModuleType:
    """Ray, connected: to ``ray.address`` when set, else a local Ray started now (once per
    process; an already initialised Ray is used as it is)."""
    ray = import_ray()
    if not ray.is_initialized():
        r = settings.ray
        if r.address:  # host:port of a cluster node, or ray://host:10001 (Ray Client)
            ray.init(address=r.address, log_to_driver=False)
        else:
            # address="local": a new local Ray, never one a stale /tmp/ray file points at
            ray.init(address="local", num_cpus=r.num_cpus, include_dashboard=False,
                     log_to_driver=False)
        log.info("ray: %s", r.address or "local")
    return ray


class ShardServer:
    """A shard actor's state: the shard mapped, scored with the corpus's statistics."""

    def __init__(self, generation: str, shard: int, settings: Settings) -> None:
        self.archive = ShardArchive.load(Path(generation), shard, settings)
        self.generation = Path(generation).name

    def ready(self) -> int:
        return self.archive.index.n_paragraphs

    def pid(self) -> int:
        """The actor's process (for its memory: ``python -m bench shards``)."""
        return os.getpid()

    def answer(self, term_ids: list[int], k: int, filters: Filters) -> tuple[str, ShardAnswer]:
        return self.generation, self.archive.answer(term_ids, k, filters)

    def matches(self, term_ids: list[int], filters: Filters) -> tuple[str, ShardMatches]:
        return self.generation, self.archive.matches(term_ids, filters)


@dataclass(eq=False)
class RayEngine:
    """One generation's shard actors, and the fan-out and merge of a query over them."""

    settings: Settings
    generation: Path
    actors: list[Any]
    _inflight: int = field(default=0, init=False)
    _retired: bool = field(default=False, init=False)
    _expired: bool = field(default=False, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @classmethod
    def start(cls, settings: Settings, generation: Path) -> RayEngine:
        """Start (and wait for) one actor per shard of ``generation``."""
        ray = ensure_ray(settings)
        corpus = read_corpus(generation)
        r = settings.ray
        remote = ray.remote(ShardServer).options(
            max_restarts=r.max_restarts, max_task_retries=0, num_cpus=r.actor_cpus,
            scheduling_strategy="SPREAD")
        actors = [remote.remote(str(generation), i, settings) for i in range(corpus.n_shards)]
        try:
            ray.get([a.ready.remote() for a in actors])
        except ray.exceptions.RayActorError as exc:  # a shard that does not load
            for actor in actors:
                ray.kill(actor, no_restart=True)
            raise IndexFormatError(
                f"{generation.name}: a shard actor could not load its shard "
                f"({type(exc).__name__})") from exc
        log.info("ray: %d shard actors of %s ready", len(actors), generation.name)
        return cls(settings, generation, actors)

    @property
    def n_shards(self) -> int:
        return len(self.actors)

    def top(self, term_ids: Sequence[int], k: int, filters: Filters = Filters()) -> Merged:
        """The merged top ``k`` of every shard that answers (each asked twice at most)."""
        merged = merge(self._fan_out("answer", [int(t) for t in term_ids], k, filters), k)
        self._some_answered(merged.answered, merged.shards)
        return merged

    def matches(self, term_ids: Sequence[int], filters: Filters = Filters()) -> MergedMatches:
        """Every paragraph matching the query, from every shard that answers."""
        found = merge_matches(self._fan_out("matches", [int(t) for t in term_ids], filters))
        self._some_answered(found.answered, found.shards)
        return found

    @staticmethod
    def _some_answered(answered: int, shards: int) -> None:
        if answered == 0:
            raise ShardsUnavailableError(
                f"No shard of the index answered (0 of {shards}); try again shortly.")

    def _fan_out(self, method: str, *args: Any) -> list[Any]:
        """``method(*args)`` on every shard: its answers in shard order, None for a shard
        that failed twice."""
        ray = import_ray()
        failures = (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError)
        with self._serving():
            refs = [getattr(a, method).remote(*args) for a in self.actors]
            try:  # one wait for all: the common case
                return [self._checked(i, got) for i, got in enumerate(
                    ray.get(refs, timeout=self.settings.ray.timeout_seconds))]
            except failures:  # shard by shard, asking a failed one again
                return [self._get(ray, i, ref, method, args) for i, ref in enumerate(refs)]

    def _get(self, ray: ModuleType, shard: int, ref: Any, method: str,
             args: tuple[Any, ...]) -> Any:
        timeout = self.settings.ray.timeout_seconds
        failures = (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError)
        for attempt in (1, 2):
            try:
                return self._checked(shard, ray.get(ref, timeout=timeout))
            except failures as exc:
                log.warning("shard %d failed (attempt %d): %s", shard, attempt,
                            type(exc).__name__)
                if attempt == 1:  # once more: Ray holds it until the actor is back (or
                    # gone for good), within the timeout
                    ref = getattr(self.actors[shard], method).options(
                        max_task_retries=-1).remote(*args)
        return None

    def _checked(self, shard: int, got: tuple[str, Any]) -> Any:
        generation, answer = got
        if generation != self.generation.name:  # pragma: no cover - never by design
            raise ShardsUnavailableError(f"shard {shard} answered from {generation}")
        return answer

    # ------------------------------------------------------------------ generations
    @contextmanager
    def _serving(self) -> Iterator[None]:
        with self._lock:
            self._inflight += 1
        try:
            yield
        finally:
            with self._lock:
                self._inflight -= 1
                done = self._expired and self._inflight == 0
            if done:
                self._kill()

    def retire(self, grace_seconds: float | None = None) -> None:
        """Stop this generation's actors once no query runs on them and ``grace_seconds``
        (``ray.retire_seconds``) have passed: a query that took the old snapshot just before
        the swap still finds its actors."""
        with self._lock:
            again, self._retired = self._retired, True
        grace = self.settings.ray.retire_seconds if grace_seconds is None else grace_seconds
        if grace <= 0:
            self._expire()
            return
        if again:
            return
        timer = threading.Timer(grace, self._expire)
        timer.daemon = True
        timer.start()

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            done = self._inflight == 0
        if done:
            self._kill()

    def _kill(self) -> None:
        ray = import_ray()
        actors, self.actors = self.actors, []
        if not ray.is_initialized():  # Ray shut down first: its actors are gone with it
            return
        for actor in actors:
            ray.kill(actor, no_restart=True)
        if actors:
            log.info("ray: %d shard actors of %s stopped", len(actors), self.generation.name)


@dataclass(frozen=True, eq=False)
class ShardedSnapshot(Snapshot):
    """The serving snapshot of the ray engine: the whole index for citations and the quote
    book; ``search``, ``top`` and ``rank`` (``/search``, ``/ask``, ``/summary``) from the
    shards."""

    engine: RayEngine | None = None

    @classmethod
    def serve(cls, index: ArchiveIndex, settings: Settings, tokenizer: Tokenizer,
              generation: Path) -> ShardedSnapshot:
        base = Snapshot.of(index, settings, tokenizer)
        return cls(base.retrieval, engine=RayEngine.start(settings, generation))

    @property
    def shards(self) -> RayEngine:
        if self.engine is None:  # pragma: no cover - serve() always sets it
            raise ShardsUnavailableError("no shard actors")
        return self.engine

    def _merged(self, text: str, k: int, filters: Filters) -> tuple[tuple[str, ...], Merged]:
        terms = tuple(self.tokenizer(text))
        merged = self.shards.top(self.index.term_ids(terms), k, filters)
        if merged.excluded:
            self.retrieval.doc_mask(filters)  # raises FiltersExcludeAllError, saying why
        return terms, merged

    def top(self, text: str, k: int, filters: Filters = Filters(), *,
            count: bool = True) -> Best:
        """The shards' merged best ``k`` (they always count, whatever ``count`` says)."""
        terms, merged = self._merged(text, k, filters)
        return Best(terms, [(h.paragraph, h.score) for h in merged.hits], merged.total)

    def search(self, request: SearchRequest | str, limit: int | None = None,
               filters: Filters = Filters()) -> SearchResult:
        if isinstance(request, str):
            request = replace(SearchRequest.parse(self.settings, request, limit),
                              filters=filters)
        started = time.perf_counter()
        terms, merged = self._merged(request.query, request.limit, request.filters)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(request.query, terms, merged.total, took,
                            tuple(h.hit for h in merged.hits),
                            ShardCount(merged.answered, merged.shards))

    def rank(self, text: str, filters: Filters = Filters()) -> Ranked:
        """Every matching paragraph and its score, from the shards (``/summary``)."""
        terms = tuple(self.tokenizer(text))
        found = self.shards.matches(self.index.term_ids(terms), filters)
        if found.excluded:
            self.retrieval.doc_mask(filters)  # raises FiltersExcludeAllError, saying why
        return Ranked(terms, found.paragraphs, found.scores, len(found.paragraphs))
