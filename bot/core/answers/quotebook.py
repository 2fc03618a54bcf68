"""Finding quotations again: fuzzy lookup of misremembered wording, speaker search, and the
speaker list for autocomplete, over the quotations :mod:`bot.core.answers.quotes` extracted
at index time."""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.config import TokenizerSettings
from bot.core.answers.matching import shown_match
from bot.core.answers.quotes import QuoteMatch
from bot.core.answers.variants import merge_speakers
from bot.core.bm25 import top_k
from bot.core.budget import Budget
from bot.core.index import ArchiveIndex
from bot.core.postings import PostingsScorer
from bot.core.quotations import QuotationTable
from bot.core.requests import QuoteRequest
from bot.core.tokenize import Tokenizer, normalize

if TYPE_CHECKING:
    from bot.core.snapshot import Snapshot

log = logging.getLogger(__name__)

# A match on the sentence around a quotation counts a little less than one on its words.
CONTEXT_FACTOR = 0.97
# A speaker query matches at most this many speakers (those whose name has its words whole
# first): "s" names hundreds of thousands at 10M paragraphs, and scoring them all took 3 s.
MATCHED_SPEAKERS = 1000

_NON_WORD = re.compile(r"[\W_]+")


def normalise_text(text: str) -> str:
    """Case-folded words only, single-spaced, for fuzzy matching."""
    return _NON_WORD.sub(" ", normalize(text)).strip()


def similarity(query: str, choice: str, cutoff: float = 0.0) -> float:
    """0-100: how well normalised ``query`` recalls normalised ``choice``. The best of

    * against a choice at least as long: ``partial_ratio`` (the query against the
      best-aligned stretch: a remembered fragment, a few words changed) and, for queries of
      three words or more, ``token_set_ratio`` x 0.95 (the same words in another order,
      some left out);
    * against a shorter choice: ``ratio`` and ``token_sort_ratio`` x 0.95 only, so a
      four-word quotation is not "found" inside a long query.

    A score below ``cutoff`` may come back as 0 (rapidfuzz stops early): the same scores
    at or above it, sooner.
    """
    if not query or not choice:
        return 0.0
    scaled = min(cutoff / 0.95, 100.0)
    if len(choice) < len(query):
        return max(float(fuzz.ratio(query, choice, score_cutoff=cutoff)),
                   0.95 * float(fuzz.token_sort_ratio(query, choice, score_cutoff=scaled)))
    score = float(fuzz.partial_ratio(query, choice, score_cutoff=cutoff))
    if query.count(" ") >= 2:
        score = max(score, 0.95 * float(fuzz.token_set_ratio(query, choice,
                                                            score_cutoff=scaled)))
    return score


def _ranges(keys: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.int64]:
    """Offsets into ``keys`` (sorted, each in ``0 .. n - 1``) where each key's run starts,
    and one past the end: key ``k``'s run is ``[out[k], out[k + 1])``."""
    return np.concatenate(([0], np.cumsum(np.bincount(keys, minlength=n)))).astype(np.int64)


@dataclass(frozen=True, slots=True)
class _Speakers:
    """The speakers by name, in flat arrays where a speaker would otherwise own a Python
    list or set (ten million paragraphs quote about two million names)."""

    speakers: list[str]  # one per person (variants merged), the most quoted first
    rank: dict[str, int]  # position in ``speakers``
    canonical: list[str]  # by table code: the speaker it is merged into
    written: list[str]  # by table code: the name as written
    code_start: npt.NDArray[np.int64]  # speaker n's codes: codes[code_start[n]:code_start[n+1]]
    codes: npt.NDArray[np.int64]  # table codes, by speaker, ascending
    # normalised, as ``speakers``, one text ("\n" between names: never in a folded one):
    # speaker n's is folded[folded_at[n]:folded_at[n + 1] - 1]; one string searched by
    # str.find instead of a string per speaker tested in turn (10M: 2.2 million names)
    folded: str
    folded_at: npt.NDArray[np.int64]
    tokens: list[str]  # every normalised word of a variant, sorted
    owner_start: npt.NDArray[np.int64]  # token t's speakers: owners[owner_start[t]:...[t+1]]
    owners: npt.NDArray[np.int64]  # positions in ``speakers``, by token, ascending

    def codes_of(self, speaker: str) -> list[int]:
        """The table codes merged into ``speaker`` (none for a name not known)."""
        n = self.rank.get(speaker)
        if n is None:
            return []
        codes: list[int] = self.codes[self.code_start[n]:self.code_start[n + 1]].tolist()
        return codes

    def variants_of(self, speaker: str) -> list[str]:
        """Every spelling of ``speaker``, sorted (just the name, for a name not known)."""
        codes = self.codes_of(speaker)
        return sorted({self.written[c] for c in codes}) if codes else [speaker]

    def containing(self, wanted: str, seen: set[str], limit: int) -> list[str]:
        """The first ``limit`` speakers (most quoted first) whose folded name contains
        ``wanted`` (normalised: no "\\n"), leaving out ``seen``."""
        out: list[str] = []
        text, at, starts = self.folded, self.folded.find(wanted), self.folded_at
        while at >= 0 and len(out) < limit:
            n = int(np.searchsorted(starts, at, side="right")) - 1
            if self.speakers[n] not in seen:
                out.append(self.speakers[n])
            at = text.find(wanted, int(starts[n + 1]))  # each speaker once
        return out

    def owners_of(self, first: int, last: int) -> set[str]:
        """The speakers with one of the words ``tokens[first:last]``."""
        speakers = self.speakers
        run = self.owners[self.owner_start[first]:self.owner_start[last]].tolist()
        return {speakers[n] for n in run}

    @classmethod
    def of(cls, written: list[str], canonical: list[str], counts: list[int]) -> _Speakers:
        """Index the merged names (``canonical``, by table code) of the codes quoted."""
        totals: dict[str, int] = {}
        for c, name in enumerate(canonical):
            if counts[c] and name:
                totals[name] = totals.get(name, 0) + counts[c]
        speakers = sorted(totals, key=lambda n: (-totals[n], n))
        rank = {s: n for n, s in enumerate(speakers)}
        quoted = [c for c, name in enumerate(canonical) if counts[c] and name]
        owner_of = np.fromiter((rank[canonical[c]] for c in quoted), dtype=np.int64,
                               count=len(quoted))
        by = np.argsort(owner_of, kind="stable")  # by speaker, then code
        codes = np.asarray(quoted, dtype=np.int64)[by]
        code_start = _ranges(owner_of[by], len(speakers))
        folded = [normalise_text(s) for s in speakers]
        folded_at = np.zeros(len(folded) + 1, dtype=np.int64)
        np.cumsum([len(f) + 1 for f in folded], out=folded_at[1:])
        token_id: dict[str, int] = {}
        pair_token, pair_owner = [], []
        flat, starts = codes.tolist(), code_start.tolist()
        for n, (speaker, own) in enumerate(zip(speakers, folded, strict=True)):
            variants = {written[c] for c in flat[starts[n]:starts[n + 1]]}
            for variant in variants:  # (the speaker's own spelling is folded)
                for token in (own if variant == speaker else normalise_text(variant)).split():
                    pair_token.append(token_id.setdefault(token, len(token_id)))
                    pair_owner.append(n)
        tokens = sorted(token_id)
        place = np.empty(len(tokens), dtype=np.int64)
        place[[token_id[t] for t in tokens]] = np.arange(len(tokens))
        keys = place[np.asarray(pair_token, dtype=np.int64)]
        owned = np.asarray(pair_owner, dtype=np.int64)
        order = np.lexsort((owned, keys))
        keys, owned = keys[order], owned[order]
        fresh = np.ones(len(keys), dtype=np.bool_)  # a word twice in one speaker's variants
        fresh[1:] = (keys[1:] != keys[:-1]) | (owned[1:] != owned[:-1])
        keys, owned = keys[fresh], owned[fresh]
        return cls(speakers, rank, canonical, written, code_start, codes,
                   "".join(f + "\n" for f in folded), folded_at, tokens,
                   _ranges(keys, len(tokens)), owned)


class QuoteBook:
    """Every extracted quotation of one index, for fuzzy lookup and speaker search.

    Read from the index's :class:`~bot.core.quotations.QuotationTable` without decoding a
    single quotation: speakers are indexed by code, paragraph numbers made absolute with
    array arithmetic, and a quotation's words (and the sentence around it, a span of its
    paragraph) are read when it becomes a candidate. A lookup takes its candidates from the
    paragraph index (the BM25 scores of the paragraphs that hold quotations, best
    :data:`CANDIDATE_PARAGRAPHS`) and, in a book of at most :data:`FULL_SCAN` quotations,
    from a native rapidfuzz pass over all of them (so a lookup with no word spelt right
    still works on a small archive); only candidates are normalised (and cached) and scored
    with :func:`similarity`.
    """

    CANDIDATE_PARAGRAPHS = 200
    CANDIDATE_TERMS = 8  # the rarest distinct query terms that pick candidate paragraphs
    COMMON_SHARE = 0.2  # a term in more than this share of the paragraphs is "common"
    RARE_POOL = 2_000  # paragraphs taken by the rare terms before the common ones are added
    FULL_SCAN = 5_000

    def __init__(self, table: QuotationTable, index: ArchiveIndex) -> None:
        self.table = table
        self.index = index
        params = index.params.get("tokenizer", {})
        self.tokenizer = Tokenizer(TokenizerSettings(
            stopwords=bool(params.get("stopwords", True)),
            stemming=bool(params.get("stemming", True))))
        self._docs = np.asarray(table.document, dtype=np.int64)
        # each article's first paragraph, from the paragraph -> article column (decoding
        # every article's record would cost half a second at a million paragraphs)
        firsts = np.searchsorted(index.para_doc, np.arange(len(index.docs)), side="left")
        paras = firsts[self._docs] + np.asarray(table.paragraph, dtype=np.int64)
        self._paras = paras
        self._order = np.argsort(paras, kind="stable")
        self._sorted_paras = paras[self._order]
        self._quoted_paras = np.unique(paras)
        # The paragraphs that hold a quotation, scored as a search scores them (the index's
        # own postings under a mask: nothing copied; only the query's terms' postings are
        # read), and each term's paragraph count (its rarity), from the postings' offsets.
        # Pruned, with the peaks saved in the index (no term pays a first use): the same
        # candidates; at 10M lookup p50 21.2 -> 15.1 ms and p95 69.7 -> 29.6 ms against
        # unpruned, at 1M p50 8.8 -> 8.1 ms (600 lookups, the same results).
        self._scorer = PostingsScorer(index.postings, index.doc_len, index.bm25_settings(),
                                      peaks=index.peaks())
        self._quoted = np.zeros(index.n_paragraphs, dtype=np.bool_)
        self._quoted[self._quoted_paras] = True
        self._df = index.postings.df()
        self._norm: dict[str, str] = {}
        self._all: tuple[list[str], list[str]] | None = None
        codes = np.asarray(table.speaker, dtype=np.int64)
        self._by_code = np.argsort(codes, kind="stable")  # by speaker, then table order
        counts = np.bincount(codes[codes >= 0], minlength=table.speaker_count)
        self._counts = counts
        self._bounds = np.concatenate(([0], np.cumsum(counts))) + int((codes < 0).sum())

    @cached_property
    def _names(self) -> _Speakers:
        """The speakers by name, their spellings merged across the archive
        (:func:`~bot.core.answers.variants.merge_speakers`), decoded, folded and indexed by
        word on first use: a speaker lookup or autocomplete, a match, or the snapshot's
        warm-up."""
        names = self.table.speakers()
        counts = self._counts.tolist()
        weight: dict[str, int] = {}
        for c, name in enumerate(names):
            weight[name] = weight.get(name, 0) + counts[c]
        merged = merge_speakers(weight)
        return _Speakers.of(names, [merged.get(name, name) for name in names], counts)

    @property
    def speakers_ready(self) -> bool:
        """Whether the speakers are indexed by name yet (see :attr:`_names`)."""
        return "_names" in vars(self)

    def _quotes_of(self, speaker: str) -> list[int]:
        """Numbers of ``speaker``'s quotations (under every spelling), in table order."""
        rows: list[int] = []
        for code in self._names.codes_of(speaker):
            rows += self._by_code[self._bounds[code]:self._bounds[code + 1]].tolist()
        return sorted(rows)

    def variants(self, speaker: str) -> list[str]:
        """Every spelling of ``speaker`` in the archive."""
        return self._names.variants_of(speaker)

    def __len__(self) -> int:
        return len(self.table)

    def text(self, i: int) -> str:
        """The words of quotation ``i``."""
        return self.table.text(i)

    def context(self, i: int) -> str:
        """The sentence(s) around quotation ``i``."""
        t = self.table
        return self.index.text(int(self._paras[i]))[int(t.context_start[i]):int(t.context_end[i])]

    def match(self, i: int, score: float) -> QuoteMatch:
        q = self.table[i]
        doc = self.index.docs[q.document]
        code = int(self.table.speaker[i])
        speaker = None if code < 0 else self._names.canonical[code]
        return QuoteMatch(q.text, speaker, doc.doc_id, doc.title, doc.source, doc.date,
                          int(self.index.para_num[self._paras[i]]), round(float(score), 1),
                          q.kind, q.speaker)

    def in_docs(self, docs: Collection[int]) -> list[int]:
        """Numbers of the quotations in those articles."""
        wanted = np.fromiter(docs, dtype=np.int64, count=len(docs))
        return np.flatnonzero(np.isin(self._docs, wanted)).tolist()

    def _normal(self, text: str) -> str:
        found = self._norm.get(text)
        if found is None:
            if len(self._norm) > 200_000:
                self._norm.clear()
            found = self._norm[text] = normalise_text(text)
        return found

    def _from_paragraphs(self, text: str) -> set[int]:
        ids = [t for t in self.index.term_ids(self.tokenizer(text)) if t >= 0]
        if not ids or not len(self._quoted_paras):
            return set()
        df = self._df
        # a quotation is found by its rarest words: the common ones' long postings would
        # cost most of the time and pick out nothing
        chosen = sorted(set(ids), key=lambda t: (int(df[t]), t))[:self.CANDIDATE_TERMS]
        ids = [t for t in ids if t in chosen]
        common = [t for t in ids if df[t] > self.COMMON_SHARE * self.index.n_paragraphs]
        rare = [t for t in ids if t not in common]
        if common and rare:
            best = self._rare_first(rare, common)
        else:
            # the best paragraphs in one kernel pass; a score of 0 or less is no match (it
            # can only rank below every positive one, so dropping it changes nothing else)
            found = self._scorer.top(ids, self.CANDIDATE_PARAGRAPHS, self._quoted,
                                     count=False)
            best = found.paragraphs[found.scores > 0]
        lo = np.searchsorted(self._sorted_paras, best, side="left")
        counts = np.searchsorted(self._sorted_paras, best, side="right") - lo
        # every position lo[j] .. lo[j] + counts[j] - 1, without a Python loop
        starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        return set(self._order[starts + np.arange(int(counts.sum()))].tolist())

    def _rare_first(self, rare: list[int], common: list[int]) -> npt.NDArray[np.int64]:
        """The best quoted paragraphs for ``rare + common`` among those using a rare term:
        the :data:`RARE_POOL` best by the rare terms, then the common terms' part of their
        score added by binary search. Scored in one pass, a common term (in most quoted
        paragraphs) keeps the kernel from pruning whenever fewer than
        :data:`CANDIDATE_PARAGRAPHS` paragraphs use a rare term: it walks millions of
        postings to fill the list with paragraphs that share only "said" or "the" with the
        quotation (at 10M, lookup p99 143 -> 50 ms; 196 -> 196 of 200 sources first)."""
        pool = self._scorer.top(rare, self.RARE_POOL, self._quoted, count=False)
        paras = pool.paragraphs
        scores = pool.scores + self._scorer.score_of(common, paras)
        keep = scores > 0
        paras, scores = paras[keep], scores[keep]
        return paras[top_k(paras, scores, self.CANDIDATE_PARAGRAPHS)]

    def _full_scan(self, query: str, limit: int, min_match: float) -> set[int]:
        if self._all is None:
            every = range(len(self))
            self._all = ([self._normal(self.text(i)) for i in every],
                         [self._normal(self.context(i)) for i in every])
        out: set[int] = set()
        wide = max(4 * limit, 50)
        scorers = [fuzz.partial_ratio] + ([fuzz.token_set_ratio] if " " in query else [])
        for choices in self._all:
            for scorer in scorers:
                found = process.extract(query, choices, scorer=scorer, limit=wide,
                                        score_cutoff=min_match * CONTEXT_FACTOR * 0.95)
                out.update(int(i) for _, _, i in found)
        return out

    def lookup(
        self, text: str, limit: int = 5, min_match: float = 60.0,
        within: Collection[int] | None = None, budget: Budget | None = None,
    ) -> list[QuoteMatch]:
        """Quotations most like ``text`` (misremembered wording welcome), best first, matched
        against their words and the sentence around them; ``within`` restricts the search
        to those quotation numbers; ``budget`` is charged the text of every candidate."""
        budget = budget or Budget.unlimited()
        query = normalise_text(text)
        if not query:
            return []
        found = self._from_paragraphs(text)
        if len(self) <= self.FULL_SCAN:
            found |= self._full_scan(query, limit, min_match)
        if within is not None:
            found &= set(within)
        scored = []
        starts, ends = self.table.context_start, self.table.context_end
        for i in found:
            words = self.text(i)
            budget.spend(len(words) + int(ends[i]) - int(starts[i]))
            score = similarity(query, self._normal(words), min_match)
            if score < 100.0 * CONTEXT_FACTOR:  # the sentence around could still do better
                floor = min(max(min_match, score) / CONTEXT_FACTOR, 100.0)
                score = max(score, CONTEXT_FACTOR * similarity(
                    query, self._normal(self.context(i)), floor))
            score = shown_match(score, text, words)
            if score >= min_match:
                scored.append((-score, i))
        scored.sort()
        return [self.match(i, -neg) for neg, i in scored[:limit]]

    def _words_starting(self, word: str) -> tuple[int, int]:
        """The range of the speakers' name words starting with ``word`` (they sort
        together: from ``word`` up to the first string past every such word)."""
        tokens = self._names.tokens
        first = bisect_left(tokens, word)
        if not word or ord(word[-1]) >= 0x10FFFF:
            last = first
            while last < len(tokens) and tokens[last].startswith(word):
                last += 1
            return first, last
        return first, bisect_left(tokens, word[:-1] + chr(ord(word[-1]) + 1), first)

    def _words_equal(self, word: str) -> tuple[int, int]:
        """The range of the speakers' name words equal to ``word`` (one or none)."""
        tokens = self._names.tokens
        first = bisect_left(tokens, word)
        return first, first + (first < len(tokens) and tokens[first] == word)

    def _positions(self, words: list[str], *, whole: bool = False) -> npt.NDArray[np.int64]:
        """The positions (the most quoted first) of the speakers a word of whose names
        starts with (``whole``: is) each of ``words``: the owners of the rarest word's run of
        name words, kept where each other word's run marks them too (a mark per speaker, not
        a set of names: "s" starts millions of name words at 10M paragraphs)."""
        names = self._names
        find = self._words_equal if whole else self._words_starting
        runs = sorted(((int(names.owner_start[a]), int(names.owner_start[b]))
                       for a, b in map(find, words)), key=lambda run: run[1] - run[0])
        marks = np.zeros(len(names.speakers), dtype=np.bool_)
        found = np.zeros(0, dtype=np.int64)
        for k, (lo, hi) in enumerate(runs):
            marks[:] = False
            marks[names.owners[lo:hi]] = True
            found = np.flatnonzero(marks) if k == 0 else found[marks[found]]
            if not len(found):
                break
        return found

    def _matching(self, name: str) -> list[tuple[str, float]]:
        """Speakers matching ``name``: each of its words starts a word of the speaker's
        ("lavrov", "sergey lav"), else is a close spelling of one ("lavrof")."""
        words = normalise_text(name).split()
        if not words:
            return []
        names = self._names
        prefixed = self._positions(words)
        if len(prefixed):
            wanted = " ".join(words)
            scored = [(n, self._name_score(names.speakers[n], wanted))
                      for n in self._bounded(words, prefixed).tolist()]
            # a position is the speaker's rank: best score first, then the most quoted
            return [(names.speakers[n], score)
                    for n, score in sorted(scored, key=lambda p: (-p[1], p[0]))]
        close: dict[str, float] | None = None
        for w in words:
            here: dict[str, float] = {}
            for _, score, t in process.extract(w, names.tokens, scorer=fuzz.ratio,
                                               limit=20, score_cutoff=80):
                for s in names.owners_of(t, t + 1):
                    here[s] = max(here.get(s, 0.0), float(score))
            close = here if close is None else {
                s: min(v, here[s]) for s, v in close.items() if s in here}
        return sorted((close or {}).items(), key=lambda p: (-p[1], names.rank[p[0]]))

    def _bounded(self, words: list[str], prefixed: npt.NDArray[np.int64]
                 ) -> npt.NDArray[np.int64]:
        """At most :data:`MATCHED_SPEAKERS` of the speakers ``prefixed``: all of them when
        they are fewer, else those with each word as a whole word first (the only ones
        that can score above 90), then the others, each most quoted first."""
        if len(prefixed) <= MATCHED_SPEAKERS:
            return prefixed
        whole = self._positions(words, whole=True)[:MATCHED_SPEAKERS]
        rest = prefixed[~np.isin(prefixed, whole)][:MATCHED_SPEAKERS - len(whole)]
        return np.concatenate((whole, rest))

    def _name_score(self, speaker: str, wanted: str) -> float:
        """100 for the speaker's name (or a spelling of it) as asked; 95 for whole words of
        it ("lavrov"); 90 for the starts of its words ("lav")."""
        spellings = [normalise_text(v) for v in self._names.variants_of(speaker)]
        if wanted in spellings:
            return 100.0
        words = wanted.split()
        if any(all(w in v.split() for w in words) for v in spellings):
            return 95.0
        return 90.0

    def speaker_quotes(self, name: str) -> list[tuple[int, float]]:
        """(quotation number, match) for the quotations of every speaker matching ``name``."""
        return [(i, score) for s, score in self._matching(name)
                for i in self._quotes_of(s)]

    def by_speaker(
        self, name: str, limit: int = 5, within: Collection[int] | None = None
    ) -> list[QuoteMatch]:
        """Quotations by speakers matching ``name`` (case-insensitive; a surname works)."""
        allowed = None if within is None else set(within)
        found = [(i, s) for i, s in self.speaker_quotes(name) if allowed is None or i in allowed]
        return [self.match(i, s) for i, s in found[:limit]]

    def speakers(self) -> list[str]:
        """Known speakers, the most quoted first."""
        return list(self._names.speakers)

    def suggest_speakers(self, prefix: str, limit: int = 25) -> list[str]:
        """Speakers for autocomplete: names with words starting with ``prefix``'s words
        first (most quoted first), then names containing it."""
        wanted = normalise_text(prefix)
        names = self._names
        if not wanted:
            return names.speakers[:limit]
        starts = [names.speakers[n] for n in self._positions(wanted.split())[:limit].tolist()]
        if len(starts) < limit:
            starts += names.containing(wanted, set(starts), limit - len(starts))
        return starts


class QuoteResult(NamedTuple):
    query: str
    speaker: str | None
    matches: tuple[QuoteMatch, ...]


def find_quotes(
    snapshot: Snapshot, request: QuoteRequest, budget: Budget | None = None
) -> QuoteResult:
    """Quotations like ``request.text``, by ``request.speaker``, or like the text among the
    speaker's. ``budget`` bounds the lookup (default: ``answers.max_work_*``)."""
    settings = snapshot.settings.answers
    text, speaker, k = request.text, request.speaker, request.limit
    book = snapshot.quotes
    within: list[int] | None = None
    if not request.filters.is_empty():
        mask = snapshot.doc_mask(request.filters)
        within = book.in_docs(np.flatnonzero(mask).tolist())
    if speaker is not None:
        mine = [i for i, _ in book.speaker_quotes(speaker)]
        if within is not None:
            keep = set(within)
            mine = [i for i in mine if i in keep]
        within = mine
    if text is None:
        matches = book.by_speaker(speaker or "", k, within)
    else:
        matches = book.lookup(text, k, settings.quote_min_match, within,
                              budget or Budget.of(settings))
    log.info("quote lookup text=%r speaker=%r: %d matches", text, speaker, len(matches))
    return QuoteResult(text or "", speaker, tuple(matches))
