"""Quotation benchmark: detection and speakers on the annotated set (tests/data/quotes/).

Usage::

    python -m bench quotes              # figures by split (tune, test, all) on stdout
    python -m bench quotes --write      # ... and bench/results-quotes.{md,json}
    python -m bench quotes --show test  # every miss and every wrong speaker of a split

The splits are the ``split`` values found in the files (``tune``, ``test``, then any others
sorted by name), and ``all``.

Each article of the set is extracted with :func:`bot.core.answers.quotes.extract_article`
(as a build does), the speakers of the whole set then merged as the archive merges them
(:func:`bot.core.answers.variants.merge_speakers`, when present). An extracted quotation
matches a gold one of the same article and paragraph when their texts overlap (token F1 at
least :data:`MIN_F1`, or the tokens of the shorter all in the longer) and their kinds are
compatible (``quoted`` and ``fragment`` both verbatim; ``reported`` only with ``reported``);
each gold quotation is matched once, best overlap first. Precision is over every extracted
quotation; recall is per gold kind and overall; speakers are judged on the matched pairs:
right (the same name, case and spacing aside, or one of the gold's ``|`` variants; no
speaker where the gold has none), none (no speaker where the gold has one) or wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent
DATA = ROOT.parent / "tests" / "data" / "quotes"
MIN_F1 = 0.6
FIRST_SPLITS = ("tune", "test")  # shown first; any other split found follows, sorted
TARGETS = {"precision": 0.90, "recall_quoted": 0.95, "recall_all": 0.75,
           "speaker_right": 0.90, "speaker_none": 0.10, "speaker_wrong": 0.05}
_MARK = re.compile(r"\[\[(\d+) |\]\]")
_TOKEN = re.compile(r"\w+")
VERBATIM = frozenset({"quoted", "fragment", "dash"})


@dataclass(frozen=True)
class Gold:
    paragraph: int
    text: str
    kind: str
    speakers: tuple[str, ...]  # accepted forms; () when the text names nobody


@dataclass(frozen=True)
class Article:
    name: str
    split: str
    paragraphs: tuple[str, ...]
    gold: tuple[Gold, ...]


class DataError(ValueError):
    """An annotated article that does not parse (its file named)."""


def _unmark(text: str, name: str) -> tuple[str, dict[int, str]]:
    """The paragraph without its markers, and each marked quotation's text."""
    out: list[str] = []
    opened: list[tuple[int, int]] = []  # (quotation, where it starts in the output)
    spans: dict[int, str] = {}
    pos = 0
    for m in _MARK.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        length = sum(map(len, out))
        if m.group(1):
            opened.append((int(m.group(1)), length))
        elif not opened:
            raise DataError(f"{name}: ']]' with nothing open")
        else:
            n, start = opened.pop()
            spans[n] = "".join(out)[start:length]
    out.append(text[pos:])
    if opened:
        raise DataError(f"{name}: quotation {opened[-1][0]} never closed")
    return "".join(out), spans


def load(folder: Path = DATA) -> list[Article]:
    articles = []
    for path in sorted(folder.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        kinds = {int(k): v for k, v in (raw.get("quotes") or {}).items()}
        paragraphs, gold = [], []
        for i, para in enumerate(raw["paragraphs"]):
            text, spans = _unmark(para, path.name)
            paragraphs.append(text)
            for n, quote in sorted(spans.items()):
                if n not in kinds:
                    raise DataError(f"{path.name}: quotation {n} has no kind")
                kind, speaker = kinds.pop(n)
                names = tuple(s.strip() for s in speaker.split("|")) if speaker else ()
                gold.append(Gold(i, quote, kind, names))
        if kinds:
            raise DataError(f"{path.name}: quotations {sorted(kinds)} not marked")
        articles.append(Article(path.stem, raw["split"], tuple(paragraphs), tuple(gold)))
    return articles


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def overlap(a: str, b: str) -> float:
    """Token F1 of two texts, 1.0 when the shorter's tokens are all in the longer."""
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return 0.0
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if " ".join(short) in " ".join(long_):
        return 1.0
    common = sum(min(short.count(t), long_.count(t)) for t in set(short))
    if not common:
        return 0.0
    p, r = common / len(ta), common / len(tb)
    return 2 * p * r / (p + r)


def compatible(found: str, gold: str) -> bool:
    return (found in VERBATIM) == (gold in VERBATIM)


def _same(name: str | None, accepted: Sequence[str]) -> bool:
    key = " ".join((name or "").split()).casefold()
    return any(key == " ".join(a.split()).casefold() for a in accepted)


@dataclass
class Tally:
    found: int = 0
    matched: int = 0
    gold: dict[str, int] = field(default_factory=dict)
    recalled: dict[str, int] = field(default_factory=dict)
    right: int = 0
    none: int = 0
    wrong: int = 0
    kind_right: int = 0
    paraphrase_in_marks: int = 0  # a reported statement shown as verbatim
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)
    wrongs: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        def share(a: int, b: int) -> float:
            return round(a / b, 3) if b else 0.0
        pairs = self.right + self.none + self.wrong
        out: dict[str, Any] = {
            "articles_gold_found": [sum(self.gold.values()), self.found],
            "precision": share(self.matched, self.found),
        }
        for kind in ("quoted", "reported", "fragment"):
            out[f"recall_{kind}"] = share(self.recalled.get(kind, 0), self.gold.get(kind, 0))
        out["recall_all"] = share(sum(self.recalled.values()), sum(self.gold.values()))
        out["speaker_right"] = share(self.right, pairs)
        out["speaker_none"] = share(self.none, pairs)
        out["speaker_wrong"] = share(self.wrong, pairs)
        out["kind_right"] = share(self.kind_right, pairs)
        out["reported_shown_verbatim"] = self.paraphrase_in_marks
        return out


Extract = Callable[[Sequence[str]], list[Any]]


def splits(articles: Sequence[Article]) -> list[str]:
    """The splits of ``articles`` in a stable order (tune, test, the others sorted), and
    ``all``."""
    found = {a.split for a in articles}
    return [s for s in FIRST_SPLITS if s in found] + sorted(found - set(FIRST_SPLITS)) + [
        "all"]


def _default_extract() -> tuple[Extract, Callable[[list[str]], dict[str, str]] | None]:
    from bot.core.answers.quotes import extract_article
    try:
        from bot.core.answers.variants import merge_speakers
    except ImportError:  # before the archive-wide merge existed
        return extract_article, None
    return extract_article, merge_speakers


def evaluate(articles: Sequence[Article], extract: Extract | None = None,
             merge: Callable[[list[str]], dict[str, str]] | None = None) -> dict[str, Tally]:
    """Tallies by split (and ``all``)."""
    if extract is None:
        extract, merge = _default_extract()
    found = {a.name: extract(a.paragraphs) for a in articles}
    canonical: dict[str, str] = {}
    if merge is not None:
        canonical = merge(sorted({q.speaker for qs in found.values() for q in qs if q.speaker}))
    tallies = {s: Tally() for s in splits(articles)}
    for a in articles:
        for split in (a.split, "all"):
            _score(a, found[a.name], canonical, tallies[split])
    return tallies


def _score(a: Article, found: list[Any], canonical: dict[str, str], t: Tally) -> None:
    t.found += len(found)
    for g in a.gold:
        t.gold[g.kind] = t.gold.get(g.kind, 0) + 1
    pairs = sorted(
        ((overlap(q.text, g.text), i, j) for i, q in enumerate(found)
         for j, g in enumerate(a.gold)
         if q.paragraph == g.paragraph and compatible(q.kind, g.kind)),
        key=lambda p: (-p[0], p[1], p[2]))
    used_q: set[int] = set()
    used_g: set[int] = set()
    for score, i, j in pairs:
        if score < MIN_F1 or i in used_q or j in used_g:
            continue
        used_q.add(i)
        used_g.add(j)
        q, g = found[i], a.gold[j]
        t.matched += 1
        t.recalled[g.kind] = t.recalled.get(g.kind, 0) + 1
        t.kind_right += (q.kind if q.kind != "dash" else "quoted") == g.kind
        speaker = canonical.get(q.speaker, q.speaker) if q.speaker else None
        if (not g.speakers and speaker is None) or (speaker and _same(speaker, g.speakers)):
            t.right += 1
        elif speaker is None:
            t.none += 1
            t.wrongs.append(f"{a.name} p{g.paragraph} NONE for {g.speakers}: {g.text[:60]}")
        else:
            t.wrong += 1
            t.wrongs.append(f"{a.name} p{g.paragraph} {speaker!r} for {g.speakers}: "
                            f"{g.text[:60]}")
    for j, g in enumerate(a.gold):
        if j not in used_g:
            t.misses.append(f"{a.name} p{g.paragraph} {g.kind} ({'|'.join(g.speakers)}): "
                            f"{g.text[:70]}")
    for i, q in enumerate(found):
        if i not in used_q:
            if q.kind in VERBATIM and any(
                g.kind == "reported" and g.paragraph == q.paragraph
                and overlap(q.text, g.text) >= MIN_F1 for g in a.gold
            ):
                t.paraphrase_in_marks += 1
            t.false.append(f"{a.name} p{q.paragraph} {q.kind} ({q.speaker}): {q.text[:70]}")


def _percent(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda f: f"{100 * f[key]:.1f}%"


def _table(by: dict[str, dict[str, Any]]) -> list[str]:
    names = list(by)
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("gold / extracted", lambda f: "{} / {}".format(*f["articles_gold_found"]))]
    for key in ("precision", "recall_quoted", "recall_reported", "recall_fragment",
                "recall_all", "speaker_right", "speaker_none", "speaker_wrong", "kind_right"):
        rows.append((key.replace("_", " "), _percent(key)))
    rows.append(("reported shown verbatim", lambda f: str(f["reported_shown_verbatim"])))
    lines = ["| figure | " + " | ".join(names) + " | target |",
             "|---|" + "---|" * (len(names) + 1)]
    for label, fmt in rows:
        key = label.replace(" ", "_")
        target = TARGETS.get(key)
        shown = "" if target is None else (
            f"≤ {100 * target:.0f}%" if key in ("speaker_none", "speaker_wrong")
            else f"≥ {100 * target:.0f}%")
        lines.append(f"| {label} | " + " | ".join(fmt(by[s]) for s in names) + f" | {shown} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench quotes", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="write bench/results-quotes.*")
    ap.add_argument("--show", metavar="SPLIT",
                    help="list a split's misses, false hits and wrong speakers")
    ap.add_argument("--label", default="", help="a label for this run (in the .json)")
    ap.add_argument("--speed", action="store_true", help="time extraction (bench/quotes_speed)")
    ap.add_argument("--against", type=Path, help="with --speed: another tree, side by side")
    ap.add_argument("--articles", type=int, default=1200, help="with --speed: how many")
    ap.add_argument("--rounds", type=int, default=2, help="with --speed: best of")
    a = ap.parse_args(argv)
    if a.speed:
        from bench.quotes_speed import speed
        return speed(a.against, a.articles, a.rounds, write=a.write)
    try:
        articles = load()
    except (DataError, OSError, yaml.YAMLError, KeyError) as exc:
        print(f"bench quotes: {exc}", file=sys.stderr)
        return 2
    names = splits(articles)
    if a.show is not None and a.show not in names:
        print(f"bench quotes: no split {a.show!r} (the splits: {', '.join(names)})",
              file=sys.stderr)
        return 2
    tallies = evaluate(articles)
    by = {s: tallies[s].figures() for s in names}
    counts = ", ".join(f"{sum(a.split == s for a in articles)} {s}" for s in names[:-1])
    head = (f"{len(articles)} articles ({counts}; tests/data/quotes/README.md says which "
            f"were never tuned on), {sum(len(a.gold) for a in articles)} gold quotations")
    lines = _table(by)
    print(head)
    print("\n".join(lines))
    if a.show:
        t = tallies[a.show]
        for title, items in (("missed", t.misses), ("false", t.false),
                             ("speaker", t.wrongs)):
            print(f"\n## {title} ({len(items)})")
            print("\n".join(items))
    if a.write:
        (ROOT / "results-quotes.json").write_text(
            json.dumps({"label": a.label, "set": head, "figures": by}, indent=2) + "\n",
            encoding="utf-8")
        md = ["# Quotations on the annotated set", "", head, "",
              "Produced by `python -m bench quotes --write` (see bench/quotes.py for the "
              "matching rule).", "", *lines, ""]
        (ROOT / "results-quotes.md").write_text("\n".join(md), encoding="utf-8")
    return 0
