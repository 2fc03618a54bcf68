"""Extractive answers over the archive: ``ask``, ``summarize`` and quotation lookup.

No language model is involved: every sentence or quotation returned is copied verbatim from
the paragraph its citation names. Pure core: no discord, no I/O at import time.

The names below are imported on first use, so an index worker that needs only
:mod:`bot.core.answers.quotes` (extraction) does not load the lookup side (rapidfuzz, the
ranking code). ``ask`` is the exception: the function must shadow its module's name here.

May import: :mod:`bot.errors`, :mod:`bot.config` and the rest of :mod:`bot.core`; retrieval
(:mod:`bot.core.search`) does not import it (``tests/test_layout.py``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from bot.core.answers.ask import Answer, ask

if TYPE_CHECKING:
    from bot.core.answers.quotebook import QuoteBook, QuoteResult, find_quotes
    from bot.core.answers.quotes import QuoteMatch, extract_article, extract_quotes
    from bot.core.answers.sentences import CitedSentence, Span, split_sentences
    from bot.core.answers.summary import Summary, suggest_documents, summarize

_WHERE = {
    "QuoteBook": "quotebook", "QuoteResult": "quotebook", "find_quotes": "quotebook",
    "QuoteMatch": "quotes", "extract_article": "quotes", "extract_quotes": "quotes",
    "CitedSentence": "sentences", "Span": "sentences", "split_sentences": "sentences",
    "Summary": "summary", "suggest_documents": "summary", "summarize": "summary",
}

__all__ = [
    "Answer", "CitedSentence", "QuoteBook", "QuoteMatch", "QuoteResult", "Span", "Summary",
    "ask", "extract_article", "extract_quotes", "find_quotes", "split_sentences",
    "suggest_documents", "summarize",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
