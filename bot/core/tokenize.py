"""The one tokenizer used for paragraphs and queries alike.

Unicode-aware and case-folded; typographic quotes and apostrophes are normalised first, so
``Russia’s`` and ``Russia's`` give the same token; English stop words and Snowball stemming
are switched by :class:`~bot.config.TokenizerSettings`. Stems are cached per word form, so
tokenizing a million paragraphs costs one stemmer call per distinct word.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable

import Stemmer

from bot.config import TokenizerSettings
from bot.core.compiled import helper, or_reference

# The Snowball project's English stop word list (the one NLTK and many engines ship).
STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves
    """.split()
)

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
    }
)
# Words: runs of letters/digits (any script), joined by inner apostrophes; digit groups such
# as 3,500 or 2.5 stay one token.
_WORD = re.compile(r"\d+(?:[.,]\d+)+|\w+(?:'\w+)*")
_POSSESSIVE = re.compile(r"'s$")
# The same mapping as _QUOTES as two regex substitutions: str.translate with a dict table
# does a dict lookup per character of any non-ASCII string (~17 us per 400-character
# paragraph, against ~2 us for these).
_SINGLE = re.compile("[\u2018\u2019\u201a\u201b\u2032\u02bc\u0060\u00b4]")
_DOUBLE = re.compile("[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]")
_CACHE_LIMIT = 2_000_000


TermsFn = Callable[[str, dict[str, str | None]], list[str] | None]
IdsFn = Callable[[str, dict[str, str | None], dict[str, int], bytearray,
                  Callable[[str], str | None]], int]


def compiled_terms() -> TermsFn | None:
    """The compiled fast path (``bot.core._tokens.terms``), or None when not built."""
    fast: TermsFn | None = helper("terms")
    return fast


# number(terms, numbering, out): each term's id in ``numbering`` (a new term gets the next
# id, so ids are positions in its insertion order) appended to ``out`` as native int32;
# returns how many.
Numberer = Callable[[list[str], dict[str, int], bytearray], int]


def _number_reference(terms: list[str], numbering: dict[str, int], out: bytearray) -> int:
    # len(numbering) is read before setdefault inserts: a new term gets the next id.
    ids = array("i", [numbering.setdefault(t, len(numbering)) for t in terms])
    out += ids.tobytes()
    return len(ids)


def numberer(*, compiled: bool | None = None) -> Numberer:
    """A :data:`Numberer`: the C loop when built (``compiled`` None), the Python reference
    when ``compiled`` is False."""
    return _number_reference if compiled is False else or_reference("number",
                                                                    _number_reference)


def normalize(text: str) -> str:
    """NFKC, typographic quotes to ASCII, case-folded."""
    if text.isascii():
        # Fast path: NFKC is the identity on ASCII, casefold() equals lower(), and the
        # backtick is the only ASCII character _QUOTES maps.
        return (text.replace("`", "'") if "`" in text else text).lower()
    text = unicodedata.normalize("NFKC", text)
    return _DOUBLE.sub('"', _SINGLE.sub("'", text)).casefold()


class Tokenizer:
    """Callable turning text into index terms. Instances are cheap; share one per index."""

    def __init__(self, settings: TokenizerSettings, *, compiled: bool | None = None) -> None:
        self.settings = settings
        self._stemmer = Stemmer.Stemmer("english") if settings.stemming else None
        self._cache: dict[str, str | None] = {}
        # The compiled ASCII fast path (None: the regular expression alone); compiled=None
        # uses it when it is built, False never (the reference it is tested against).
        self._fast: TermsFn | None = helper("terms") if compiled is not False else None
        # A build worker's one pass from text to term ids: a word table of the C extension
        # (bot.core._tokens.Words, one per tokenizer) when built.
        words = helper("Words") if compiled is not False else None
        self._ids: IdsFn | None = words().ids if words is not None else None
        self._number = numberer(compiled=compiled)

    def term(self, word: str) -> str | None:
        """Map one normalised word (from :meth:`words`) to its term (None: a stop word)."""
        if "'" in word:
            word = _POSSESSIVE.sub("", word)
        if self.settings.stopwords and word in STOPWORDS:
            return None
        if word[0].isdigit():
            return word.replace(",", "")
        if self._stemmer is not None:
            return str(self._stemmer.stemWord(word))
        return word

    def words(self, text: str) -> list[str]:
        """The surface words of ``text`` (normalised, not stemmed), in order."""
        return _WORD.findall(normalize(text))

    def __call__(self, text: str) -> list[str]:
        return self._terms(normalize(text))

    def number_into(self, text: str, numbering: dict[str, int], out: bytearray) -> int:
        """The terms of ``text`` (``self(text)``) appended to ``out`` as their ids (int32) in
        ``numbering``, as a :data:`Numberer` does; returns how many. A build worker's path: one
        C pass from the text to the ids when the text is ASCII (a word the C table has not
        seen is given to :meth:`term`)."""
        text = normalize(text)
        if self._ids is not None:
            done = self._ids(text, self._cache, numbering, out, self.term)
            if done >= 0:
                return done
        return self._number(self._terms(text), numbering, out)

    def _terms(self, text: str) -> list[str]:
        """The terms of ``text``, already normalised."""
        cache = self._cache
        if self._fast is not None:
            # Every word of an ASCII text already cached (a build's common case): words and
            # their terms in one C pass; else None, and the expression's path below.
            fast: list[str] | None = self._fast(text, cache)
            if fast is not None:
                return fast
        words = _WORD.findall(text)
        try:
            # Common case, every word seen before: one C-level map over the cache.
            terms = list(map(cache.__getitem__, words))
        except KeyError:  # some word seen for the first time
            for word in words:
                if word not in cache:
                    if len(cache) > _CACHE_LIMIT:
                        cache.clear()
                    cache[word] = self.term(word)
            # A clear() above may have dropped earlier words of this text: recompute those.
            terms = [cache[w] if w in cache else self.term(w) for w in words]
        # None marks a stop word; a term is never the empty string, so filter(None) is exact.
        return list(filter(None, terms))

    def spans(self, text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
        """Character spans of the words in ``text`` whose term is in ``terms`` (highlighting)."""
        wanted = set(terms)
        if not wanted:
            return []
        out = []
        cache = self._cache
        # The quote mapping maps one character to one, so offsets stay valid.
        quoted = text if text.isascii() else _DOUBLE.sub('"', _SINGLE.sub("'", text))
        for match in _WORD.finditer(quoted.replace("`", "'") if "`" in quoted else quoted):
            word = match.group()
            word = word.lower() if word.isascii() else unicodedata.normalize(
                "NFKC", word).casefold()
            term = cache[word] if word in cache else self.term(word)
            if term in wanted:
                out.append(match.span())
        return out

    def fingerprint(self) -> dict[str, object]:
        """What an index must record to be reused with this tokenizer."""
        return {
            "version": 1,
            "stopwords": self.settings.stopwords,
            "stemming": self.settings.stemming,
        }
