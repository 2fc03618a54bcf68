"""Deterministic synthetic news archive: jsonl articles with an English-like Zipfian vocabulary.

Usage::

    python -m bench generate --paragraphs 1000000 [--out DIR] [--seed 20240501] [--jobs 2]

Writes ``bench/out/archive-<N>/part-0001.jsonl``, ... (``articles_per_file`` articles each), one
article per line with the fields the jsonl ingester reads: ``id``, ``title``, ``date``,
``source``, ``author``, ``url`` and ``text`` (paragraphs separated by blank lines), plus a hidden
``.generator.json`` manifest (ignored by the ingester) recording the parameters and each file's
SHA-256, so an archive is only regenerated when the parameters change.

The text model, chosen so that the engine does realistic work:

* one Zipf distribution (exponent ``zipf_s``, ~1.05) over real English stop words and
  ~200k pseudo-words built from syllables (frequent words short, as in real languages); the
  stop words sit among the top ranks so that they make up ~40% of all tokens and stop-word
  removal matters;
* sentences of 6-22 words, capitalised, with commas, some numbers and years, capitalised
  ``First Last`` names, and quoted statements ``“..., ” said First Last.`` for quote lookup;
* 5-30 paragraphs per article, 30-90 words per paragraph (whitespace-separated words),
  dates spread uniformly over 2005-2024, six sources with skewed shares.

Everything is drawn with numpy from generators seeded by ``(seed, part)``, so the output is
byte-identical across runs (and a part file does not depend on how many jobs wrote it). The
total paragraph count is exact.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import math
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

GENERATOR_VERSION = 1
OUT = Path(__file__).resolve().parent / "out"
MANIFEST = ".generator.json"

# Stop words roughly in descending English frequency (all are in the tokenizer's list).
STOP_WORDS = (
    "the of and to a in that is was for it on with as he be by at his from this are have an "
    "not they but or which had her she we their were has been its there all would who will "
    "more if no one about when so can what them than up out other into only some could these "
    "two its him our after over also most me any my should do those such then did through "
    "where before under while because same between both each against during how very own "
    "again few further once here off few until now why down above below nor too doing am "
    "being having just whom which yours ours itself himself herself themselves ourselves "
    "myself yourself i you your us"
).split()
# Frequent real words that are not stop words (news prose has them all over).
COMMON_WORDS = ("said", "year", "people", "government", "new", "time", "told", "percent")
SOURCES = (
    ("Daily Meridian", "meridian.example.com", 0.30),
    ("The Northern Courier", "courier.example.org", 0.22),
    ("Harbor Wire", "harborwire.example.net", 0.18),
    ("Evening Ledger", "ledger.example.com", 0.14),
    ("Valley Observer", "observer.example.org", 0.10),
    ("Global Dispatch", "dispatch.example.net", 0.06),
)
ONSETS = ("", "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t",
          "v", "w", "z", "b", "d", "l", "m", "n", "r", "s", "t", "br", "cr", "dr", "fl", "gr",
          "pl", "pr", "st", "tr", "sh", "ch", "th")
NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "i", "o", "a", "e", "ai", "ea", "ou", "io", "y")
CODAS = ("", "", "", "", "", "", "", "", "n", "r", "s", "l", "t", "m", "n", "r", "nd", "st",
         "ng", "x")
NAME_ENDINGS = ("", "", "", "", "a", "o", "son", "ez", "ova", "ini", "ard", "berg", "ski", "ton")
DATE_START = dt.date(2005, 1, 1).toordinal()
DATE_END = dt.date(2024, 12, 31).toordinal()

IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Params:
    """Everything the output depends on (recorded in the manifest)."""

    paragraphs: int
    seed: int = 20240501
    articles_per_file: int = 10_000
    vocab_size: int = 200_000
    zipf_s: float = 1.05
    min_paras: int = 5
    max_paras: int = 30
    min_words: int = 30
    max_words: int = 90
    version: int = GENERATOR_VERSION


# ---------------------------------------------------------------------------------- vocabulary
def _syllable_words(rng: np.random.Generator, n: int, syllables: IntArray) -> list[str]:
    """``n`` pseudo-words with the given syllable counts (not necessarily distinct)."""
    most = int(syllables.max())
    onset = rng.integers(0, len(ONSETS), size=(n, most))
    nucleus = rng.integers(0, len(NUCLEI), size=(n, most))
    coda = rng.integers(0, len(CODAS), size=(n, most))
    parts = np.array([o + v + c for o in ONSETS for v in NUCLEI for c in CODAS], dtype=object)
    code = (onset * len(NUCLEI) + nucleus) * len(CODAS) + coda
    table = parts[code]
    return ["".join(row[:k]) for row, k in zip(table.tolist(), syllables.tolist(), strict=True)]


@dataclass(frozen=True)
class Vocabulary:
    """Token tables: ``lower[i]``/``cap[i]`` spell token ``i``; ``cdf`` is the Zipf
    distribution over ranks and ``order[rank]`` the token at that rank."""

    lower: ObjArray
    cap: ObjArray
    order: IntArray
    cdf: npt.NDArray[np.float64]
    n_stop: int  # tokens [0, n_stop) are stop words
    pseudo: tuple[str, ...]  # the pseudo-words in rank order (query material)
    first_names: ObjArray
    last_names: ObjArray
    numbers: ObjArray

    def sample(self, rng: np.random.Generator, n: int) -> IntArray:
        """``n`` i.i.d. Zipf draws: multinomial counts per rank, then shuffled (much faster
        than a binary search per draw over a 200k-entry CDF)."""
        probs = np.diff(self.cdf, prepend=0.0)
        counts = rng.multinomial(n, probs)
        tokens = np.repeat(self.order, counts)
        rng.shuffle(tokens)
        return tokens


def _unique(words: list[str], banned: set[str], n: int) -> list[str]:
    seen = set(banned)
    out = []
    for w in words:
        if w not in seen and len(w) > 1:
            seen.add(w)
            out.append(w)
            if len(out) == n:
                break
    if len(out) < n:  # pragma: no cover - the candidate pool is generous
        raise RuntimeError(f"only {len(out)} distinct pseudo-words, wanted {n}")
    return out


@lru_cache(maxsize=4)
def vocabulary(seed: int, size: int, zipf_s: float) -> Vocabulary:
    rng = np.random.default_rng([seed, 0xC0FFEE])
    stop = list(dict.fromkeys(STOP_WORDS))
    banned = set(stop) | set(COMMON_WORDS)
    # Pseudo-words: frequent ranks get 1-2 syllables, the long tail 2-4 (law of abbreviation).
    pool = int(size * 1.6) + 1000
    syll = np.clip(1 + np.floor(np.log10(np.arange(pool) + 1.0) * 0.45 + rng.random(pool) * 0.8),
                   1, 4)
    syll = syll.astype(np.int64)
    candidates = _syllable_words(rng, pool, syll)
    pseudo = _unique(candidates, banned, size)
    names_pool = _syllable_words(rng, 60_000, rng.integers(1, 3, size=60_000))
    endings = rng.integers(0, len(NAME_ENDINGS), size=60_000)
    names = _unique(
        [w + NAME_ENDINGS[e] for w, e in zip(names_pool, endings.tolist(), strict=True)],
        banned | set(pseudo), 22_000,
    )
    first = np.array([w.capitalize() for w in names[:2_000]], dtype=object)
    last = np.array([w.capitalize() for w in names[2_000:]], dtype=object)
    words = stop + list(COMMON_WORDS) + pseudo
    lower = np.array(words, dtype=object)
    cap = np.array(["I" if w == "i" else w.capitalize() for w in words], dtype=object)
    # Ranks: interleave stop words (and the common real words) into the head of the ranking.
    n_stop, n_common = len(stop), len(COMMON_WORDS)
    head_ids = list(range(n_stop + n_common))
    head_rank = [i * (1.0 + i / 45.0) for i in range(n_stop)]
    head_rank += [6.5 + 9.0 * j for j in range(n_common)]  # "said" around rank 7, ...
    head_order = [i for _, i in sorted(zip(head_rank, head_ids, strict=True))]
    head_pos: list[int] = []
    for r in sorted(head_rank):
        head_pos.append(max(round(r), head_pos[-1] + 1 if head_pos else 0))
    total = len(words)
    order = np.full(total, -1, dtype=np.int64)
    order[head_pos] = head_order
    order[order < 0] = np.arange(n_stop + n_common, total)
    weights = (np.arange(total, dtype=np.float64) + 1.0) ** -zipf_s
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    years = [str(y) for y in range(1990, 2025)]
    counts = [str(int(x)) for x in rng.integers(2, 100, size=60)]
    counts += [f"{int(x):,}" for x in rng.integers(1000, 900_000, size=60)]
    counts += [f"{x:.1f}" for x in rng.random(30) * 50]
    return Vocabulary(
        lower=lower, cap=cap, order=order, cdf=cdf, n_stop=n_stop,
        pseudo=tuple(pseudo), first_names=first, last_names=last,
        numbers=np.array(years + counts, dtype=object),
    )


# ---------------------------------------------------------------------------------- plan
def plan(p: Params) -> IntArray:
    """Paragraph count of every article; sums to exactly ``p.paragraphs``."""
    rng = np.random.default_rng([p.seed, 1])
    guess = p.paragraphs // p.min_paras + 2
    counts = rng.integers(p.min_paras, p.max_paras + 1, size=guess)
    cum = np.cumsum(counts)
    n = int(np.searchsorted(cum, p.paragraphs)) + 1
    counts = counts[:n].copy()
    counts[-1] -= int(cum[n - 1]) - p.paragraphs
    if counts[-1] < p.min_paras and n > 1:  # spread a short tail over earlier articles
        rest = int(counts[-1])
        counts = counts[:-1]
        room = np.flatnonzero(counts < p.max_paras)
        counts[room[:rest]] += 1
    return counts.astype(np.int64)


# ---------------------------------------------------------------------------------- text
def _part_texts(v: Vocabulary, rng: np.random.Generator, counts: IntArray, p: Params) -> list[str]:
    """Article bodies (paragraphs joined by blank lines) for one part, fully vectorised."""
    n_paras = int(counts.sum())
    para_len = rng.integers(p.min_words, p.max_words + 1, size=n_paras)
    para_start = np.zeros(n_paras + 1, dtype=np.int64)
    np.cumsum(para_len, out=para_start[1:])
    n = int(para_start[-1])
    tok = v.sample(rng, n)

    # Sentences: 6-22 words, never crossing a paragraph, no fragment shorter than 4 words.
    gaps = rng.integers(6, 23, size=n // 6 + 16)
    cand = np.cumsum(gaps)
    cand = cand[cand < n]
    owner = np.searchsorted(para_start, cand, side="right") - 1
    ok = (cand - para_start[owner] >= 4) & (para_start[owner + 1] - cand >= 4)
    is_start = np.zeros(n, dtype=bool)
    is_start[para_start[:-1]] = True
    is_start[cand[ok]] = True
    starts = np.flatnonzero(is_start)
    ends = np.concatenate([starts[1:], [n]]) - 1
    lens = ends - starts + 1

    words = v.lower[tok]
    # Numbers and years here and there.
    num = np.flatnonzero(rng.random(n) < 0.006)
    words[num] = v.numbers[rng.integers(0, len(v.numbers), size=len(num))]
    # Names: "First Last" in ~35% of sentences.
    has_name = np.flatnonzero((rng.random(len(starts)) < 0.35) & (lens >= 6))
    pos = starts[has_name] + (rng.random(len(has_name)) * (lens[has_name] - 1)).astype(np.int64)
    name_first = rng.integers(0, len(v.first_names), size=len(pos))
    name_last = _zipf_index(rng, len(v.last_names), len(pos))
    words[pos] = v.first_names[name_first]
    words[pos + 1] = v.last_names[name_last]
    name_slot = np.zeros(n, dtype=bool)
    name_slot[pos] = name_slot[pos + 1] = True
    # Capitalise sentence starts (names already are).
    cap_at = starts[~name_slot[starts]]
    words[cap_at] = v.cap[tok[cap_at]]
    # Quoted statements: “Words words,” said First Last.  (~12% of longer sentences)
    quoted = np.flatnonzero((rng.random(len(starts)) < 0.12) & (lens >= 8))
    q_start, q_end = starts[quoted], ends[quoted]
    q_first = rng.integers(0, len(v.first_names), size=len(quoted))
    q_last = _zipf_index(rng, len(v.last_names), len(quoted))
    words[q_end - 2] = "said"
    words[q_end - 1] = v.first_names[q_first]
    words[q_end] = v.last_names[q_last]
    # Commas inside sentences, then sentence punctuation.
    is_end = np.zeros(n, dtype=bool)
    is_end[ends] = True
    no_comma = is_end.copy()
    no_comma[q_end - 3] = no_comma[q_end - 2] = no_comma[q_end - 1] = True
    comma = np.flatnonzero((rng.random(n) < 0.045) & ~no_comma)
    words[comma] = words[comma] + ","
    words[q_end - 3] = words[q_end - 3] + ",\u201d"
    words[q_start] = "\u201c" + words[q_start]
    question = rng.random(len(ends)) < 0.03
    question[quoted] = False
    words[ends] = words[ends] + np.where(question, "?", ".").astype(object)

    # Separators: a blank line between paragraphs and \x1e after each article, glued to the
    # last word; one join with spaces, then the space after those separators is removed.
    last = np.zeros(n_paras, dtype=bool)
    last[np.cumsum(counts) - 1] = True  # the last paragraph of each article
    inner_end, art_end = para_start[1:][~last] - 1, para_start[1:][last] - 1
    words[inner_end] = words[inner_end] + "\n\n"
    words[art_end] = words[art_end] + "\x1e"
    joined = " ".join(words.tolist()).replace("\n\n ", "\n\n").replace("\x1e ", "\x1e")
    texts = joined.split("\x1e")
    texts.pop()  # after the last separator
    return texts


def _zipf_index(rng: np.random.Generator, size: int, n: int, s: float = 1.0) -> IntArray:
    """Zipf-distributed indices into a table of ``size`` (a few names are in the news a lot)."""
    cdf = _zipf_cdf(size, s)
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), size - 1)


@lru_cache(maxsize=8)
def _zipf_cdf(size: int, s: float) -> npt.NDArray[np.float64]:
    cdf = np.cumsum((np.arange(size, dtype=np.float64) + 1.0) ** -s)
    return cdf / cdf[-1]


def _titles(v: Vocabulary, rng: np.random.Generator, n: int) -> list[str]:
    lens = rng.integers(4, 11, size=n)
    tok = v.sample(rng, int(lens.sum()))
    stop = tok < v.n_stop
    spelled = np.where(stop, v.lower[tok], v.cap[tok])
    bounds = np.concatenate([[0], np.cumsum(lens)]).tolist()
    flat = spelled.tolist()
    titles = []
    for a, b in itertools.pairwise(bounds):
        words = flat[a:b]
        words[0] = words[0].capitalize()
        titles.append(" ".join(words))
    return titles


def part_lines(p: Params, part: int, counts: IntArray, first_article: int) -> bytes:
    """The jsonl bytes of one part file (``part`` is 1-based)."""
    v = vocabulary(p.seed, p.vocab_size, p.zipf_s)
    rng = np.random.default_rng([p.seed, 2, part])
    texts = _part_texts(v, rng, counts, p)
    n = len(counts)
    titles = _titles(v, rng, n)
    shares = np.array([s[2] for s in SOURCES])
    src = np.searchsorted(np.cumsum(shares) / shares.sum(), rng.random(n), side="right")
    src = np.minimum(src, len(SOURCES) - 1).tolist()
    days = rng.integers(DATE_START, DATE_END + 1, size=n).tolist()
    has_author = (rng.random(n) < 0.8).tolist()
    a_first = rng.integers(0, len(v.first_names), size=n).tolist()
    a_last = _zipf_index(rng, len(v.last_names), n, 0.8).tolist()
    lines = []
    for i in range(n):
        number = first_article + i
        source, domain, _ = SOURCES[src[i]]
        day = dt.date.fromordinal(days[i])
        slug = "-".join(titles[i].lower().split()[:6])
        record = {
            "id": f"{domain.split('.')[0]}-{number:07d}",
            "title": titles[i],
            "date": day.isoformat(),
            "source": source,
            "author": f"{v.first_names[a_first[i]]} {v.last_names[a_last[i]]}"
            if has_author[i] else None,
            "url": f"https://{domain}/{day.year}/{day.month:02d}/{slug}-{number}",
            "text": texts[i],
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    lines.append("")
    return "\n".join(lines).encode("utf-8")


# ---------------------------------------------------------------------------------- driver
def _write_part(args: tuple[Params, int, IntArray, int, str]) -> tuple[str, int, str]:
    p, part, counts, first, folder = args
    data = part_lines(p, part, counts, first)
    name = f"part-{part:04d}.jsonl"
    path = Path(folder) / name
    tmp = path.with_name(f".{name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return name, len(data), hashlib.sha256(data).hexdigest()


def archive_dir(paragraphs: int, out: Path = OUT) -> Path:
    return out / f"archive-{paragraphs}"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def is_current(folder: Path, p: Params) -> bool:
    """True when ``folder`` holds a complete archive generated with exactly ``p``."""
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("params") != dataclasses.asdict(p):
        return False
    files = manifest.get("files", {})
    present = {f.name for f in folder.glob("*.jsonl")}
    return present == set(files) and all(
        (folder / name).stat().st_size == meta["size"] for name, meta in files.items()
    )


def generate(p: Params, folder: Path, *, jobs: int = 1, force: bool = False) -> dict[str, Any]:
    """Write the archive for ``p`` into ``folder`` (skipped when already current)."""
    if not force and is_current(folder, p):
        manifest = read_manifest(folder)
        assert manifest is not None
        return manifest
    started = time.perf_counter()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    counts = plan(p)
    n_parts = max(1, math.ceil(len(counts) / p.articles_per_file))
    tasks = []
    for k in range(n_parts):
        lo, hi = k * p.articles_per_file, min(len(counts), (k + 1) * p.articles_per_file)
        tasks.append((p, k + 1, counts[lo:hi], lo + 1, str(folder)))
    if jobs > 1 and n_parts > 1:
        vocabulary(p.seed, p.vocab_size, p.zipf_s)  # build once, inherited by forked workers
        with ProcessPoolExecutor(max_workers=min(jobs, n_parts)) as pool:
            results = list(pool.map(_write_part, tasks))
    else:
        results = [_write_part(t) for t in tasks]
    manifest = {
        "params": dataclasses.asdict(p),
        "articles": len(counts),
        "paragraphs": int(counts.sum()),
        "seconds": round(time.perf_counter() - started, 2),
        "files": {name: {"size": size, "sha256": sha} for name, size, sha in results},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def parse_size(text: str) -> int:
    """``10k``, ``100k``, ``1M`` or a plain number."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench generate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=parse_size, required=True, help="e.g. 10k, 100k, 1M")
    ap.add_argument("--out", type=Path, default=None, help="folder (default bench/out/archive-N)")
    ap.add_argument("--seed", type=int, default=Params.seed)
    ap.add_argument("--articles-per-file", type=int, default=Params.articles_per_file)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--force", action="store_true", help="regenerate even if current")
    args = ap.parse_args(argv)
    p = Params(args.paragraphs, seed=args.seed, articles_per_file=args.articles_per_file)
    folder = args.out or archive_dir(p.paragraphs)
    started = time.perf_counter()
    manifest = generate(p, folder, jobs=args.jobs, force=args.force)
    size = sum(f["size"] for f in manifest["files"].values())
    print(f"{folder}: {manifest['articles']} articles, {manifest['paragraphs']} paragraphs, "
          f"{len(manifest['files'])} files, {size / 1e6:.1f} MB "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
