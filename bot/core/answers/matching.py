"""What a match percentage means: 100 only for the quotation's words verbatim.

Fuzzy scores reach 100 for texts that differ in case, punctuation or a word order; shown to a
journalist as "match 100%", that reads as "these are the exact words". So a score is shown as
100 only when the words asked are the quotation's, or a stretch of them (whole words), once
quote marks are made straight, white space single and case folded; any other score is at
most 99.
"""

from __future__ import annotations

_MARKS = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_EDGES = " \t\n\"'.,;:!?…—–-()[]"


def verbatim(text: str) -> str:
    """``text`` as compared for an exact match: quote marks made straight, white space
    single, case folded, punctuation and marks around it dropped."""
    return " ".join(text.translate(_MARKS).split()).strip(_EDGES).casefold()


def exact(query: str, quote: str) -> bool:
    """Whether ``query`` is the quotation's words, verbatim (or a verbatim stretch of
    them, whole words): the only match shown as 100%."""
    q, words = verbatim(query), verbatim(quote)
    if not q:
        return False
    at = words.find(q)
    while at >= 0:
        end = at + len(q)
        if (at == 0 or not words[at - 1].isalnum()) and (
                end == len(words) or not words[end].isalnum()):
            return True
        at = words.find(q, at + 1)
    return False


def shown_match(score: float, query: str, quote: str) -> float:
    """``score`` as shown: 100 only for an exact verbatim match, else at most 99."""
    return score if score < 99.5 or exact(query, quote) else 99.0
