"""Other BM25 engines beside ours in the engine bench (issue #15): tantivy and bm25s.

Both are fed *our* tokens: every paragraph of our saved index, tokenized once by our
:class:`~bot.core.tokenize.Tokenizer` (the bench settings), written one paragraph a line as
space-joined terms (``bench/out/tokens-N.txt``), so the three engines index the same terms
and answer the same query terms. Their BM25 variants differ from ours (rank-bm25's
``BM25Okapi``): tantivy is Lucene's BM25 (k1 = 1.2, b = 0.75, idf ``ln(1 + (N-n+.5)/(n+.5))``,
1-byte field norms), bm25s runs ``method="robertson"`` with our k1/b (the same idf as
``BM25Okapi`` without its epsilon floor). Their top-10 agreement with ours is reported, not
asserted.

- tantivy (tantivy-py): one ``body`` text field, whitespace tokenizer, term frequencies
  without positions, no stored text (our index stores the paragraphs' text: compare disk
  with that in mind), paragraph number as a fast u64 field; a query is a ``Should`` boolean
  of term queries, ``searcher.search(query, 10, count=True)`` (an exhaustive count, like
  ours), then the 10 paragraph numbers from the fast field. Writer: 2 threads.
- bm25s: ``BM25.index((token ids, vocabulary))`` (its ids form: no second tokenizer pass),
  saved with ``save`` and loaded with ``BM25.load(mmap=True)``; ``retrieve([tokens], k=10)``.

``python -m bench.competitors --engine tantivy --paragraphs 10k "query words"`` answers one
query from the shell (the one-shot measurement: a fresh process that loads and answers; it
imports our tokenizer and the engine, nothing of the bench or of our index).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bench.generate import OUT, parse_size

ENGINES = ("tantivy", "bm25s")
ALL = ("ours", *ENGINES)
COMPETITOR_PHASES = ("competitor-tokens", "competitor-build", "competitor-load",
                     "competitor-first", "competitor-compare")
MIXES = ("short", "natural")
# Metrics compared side by side: (key, label); ratios are ours / theirs.
METRICS: tuple[tuple[str, str], ...] = (
    ("natural_p50_ms", "natural question p50 (ms)"),
    ("natural_p99_ms", "natural question p99 (ms)"),
    ("short_p50_ms", "short query p50 (ms)"),
    ("short_p99_ms", "short query p99 (ms)"),
    ("build_s", "build (s)"),
    ("build_peak_rss_mb", "peak RSS during build (MB)"),
    ("disk_mb", "index on disk (MB)"),
    ("load_s", "load (s)"),
    ("serve_rss_mb", "RSS while serving search (MB)"),
    ("oneshot_s", "one-shot search from the shell (s)"),
)
INSTALL_HINT = "pip install -e '.[bench]'"
WRITER_THREADS = 2
WRITER_HEAP = 256_000_000  # bytes, split between the writer threads
BM25S_METHOD = "robertson"


def missing() -> list[str]:
    """The competitor packages that are not installed (empty: the bench extra is there)."""
    return [name for name in ENGINES if importlib.util.find_spec(name) is None]


def engine_dir(engine: str, paragraphs: int) -> Path:
    return OUT / f"{engine}-{paragraphs}"


def tokens_path(paragraphs: int) -> Path:
    return OUT / f"tokens-{paragraphs}.txt"


def read_docs(path: Path) -> Iterator[str]:
    """The space-joined terms of each paragraph, in paragraph order (an empty line: none)."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield line.rstrip("\n")


@dataclass(frozen=True)
class Hits:
    """One answer: paragraph numbers, best first, and how many paragraphs matched (None
    when the engine does not count them)."""

    ids: list[int]
    total: int | None


class Engine(Protocol):
    name: str

    def search(self, terms: Sequence[str], k: int) -> Hits: ...


class TantivyEngine:
    name = "tantivy"
    BODY = "body"
    PARA = "para"
    TOKENIZER = "ours"

    def __init__(self, index: Any) -> None:
        import tantivy

        self._tantivy = tantivy
        index.reload()
        self.schema = index.schema
        self.searcher = index.searcher()

    @classmethod
    def _schema(cls) -> Any:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field(cls.BODY, stored=False, tokenizer_name=cls.TOKENIZER,
                               index_option="freq")
        builder.add_unsigned_field(cls.PARA, fast=True)
        return builder.build()

    @classmethod
    def build(cls, docs: Iterable[str], folder: Path, *, threads: int = WRITER_THREADS,
              heap: int = WRITER_HEAP) -> int:
        """Index ``docs`` (space-joined terms, one per paragraph) into ``folder``."""
        import tantivy

        folder.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(cls._schema(), path=str(folder), reuse=False)
        index.register_tokenizer(
            cls.TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        writer = index.writer(heap_size=heap, num_threads=threads)
        n = 0
        for n, text in enumerate(docs, 1):
            doc = tantivy.Document()
            doc.add_text(cls.BODY, text)
            doc.add_unsigned(cls.PARA, n - 1)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        return n

    @classmethod
    def load(cls, folder: Path) -> TantivyEngine:
        import tantivy

        return cls(tantivy.Index.open(str(folder)))

    def search(self, terms: Sequence[str], k: int) -> Hits:
        if not terms:
            return Hits([], 0)
        t = self._tantivy
        query = t.Query.boolean_query([
            (t.Occur.Should, t.Query.term_query(self.schema, self.BODY, term, "freq"))
            for term in terms
        ])
        result = self.searcher.search(query, k, count=True)
        addresses = [address for _, address in result.hits]
        ids = self.searcher.fast_field_values(self.PARA, addresses) if addresses else []
        return Hits([int(i) for i in ids], int(result.count))


class Bm25sEngine:
    name = "bm25s"

    def __init__(self, model: Any) -> None:
        self.model = model

    @staticmethod
    def build(docs: Iterable[str], folder: Path, *, k1: float = 1.5, b: float = 0.75) -> int:
        import bm25s  # type: ignore[import-untyped]

        vocab: dict[str, int] = {}
        known = vocab.__getitem__
        ids: list[list[int]] = []
        for text in docs:  # term ids in first-seen order (bm25s's ids form), as ours does
            terms = text.split()
            try:
                ids.append(list(map(known, terms)))  # every term seen before: no Python loop
            except KeyError:
                ids.append([vocab.setdefault(t, len(vocab)) for t in terms])
        model = bm25s.BM25(method=BM25S_METHOD, k1=k1, b=b)
        model.index((ids, vocab), show_progress=False)
        folder.mkdir(parents=True, exist_ok=True)
        model.save(str(folder), show_progress=False)
        return len(ids)

    @classmethod
    def load(cls, folder: Path) -> Bm25sEngine:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=True, show_progress=False))

    def search(self, terms: Sequence[str], k: int) -> Hits:
        known = [t for t in terms if t in self.model.vocab_dict]
        if not known:
            return Hits([], None)
        docs, scores = self.model.retrieve([known], k=k, show_progress=False, n_threads=0)
        return Hits([int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0], None)


def build_engine(name: str, docs: Iterable[str], folder: Path, *, k1: float, b: float) -> int:
    if name == "tantivy":
        return TantivyEngine.build(docs, folder)
    if name == "bm25s":
        return Bm25sEngine.build(docs, folder, k1=k1, b=b)
    raise ValueError(f"unknown engine {name!r} (one of {', '.join(ENGINES)})")


def load_engine(name: str, folder: Path) -> Engine:
    if name == "tantivy":
        return TantivyEngine.load(folder)
    if name == "bm25s":
        return Bm25sEngine.load(folder)
    raise ValueError(f"unknown engine {name!r} (one of {', '.join(ENGINES)})")


def overlap(ours: Sequence[int], theirs: Sequence[int]) -> float:
    """Shared share of two top-k lists (1.0 when both are empty)."""
    if not ours and not theirs:
        return 1.0
    return len(set(ours) & set(theirs)) / max(len(ours), len(theirs))


def dir_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def main(argv: list[str] | None = None) -> int:
    """One-shot search from the shell: load one competitor's saved index, answer, print."""
    ap = argparse.ArgumentParser(prog="python -m bench.competitors",
                                 description="one query through tantivy or bm25s")
    ap.add_argument("--engine", choices=ENGINES, required=True)
    ap.add_argument("--paragraphs", type=parse_size, required=True)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--tokenizer", type=json.loads, default={}, metavar="JSON",
                    help='our tokenizer settings, e.g. {"stopwords": true, "stemming": true}')
    ap.add_argument("query")
    args = ap.parse_args(argv)
    from bot.config import TokenizerSettings
    from bot.core.tokenize import Tokenizer

    folder = engine_dir(args.engine, args.paragraphs)
    if not folder.exists():
        print(f"no {args.engine} index at {folder}: run python -m bench engine first",
              file=sys.stderr)
        return 1
    tokenizer = Tokenizer(TokenizerSettings(**args.tokenizer))
    hits = load_engine(args.engine, folder).search(tokenizer(args.query), args.limit)
    print(json.dumps({"ids": hits.ids, "total": hits.total}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
