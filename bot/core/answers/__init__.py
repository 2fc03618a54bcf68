"""Extractive answers over the archive: ``ask``, ``summarize`` and quotation lookup.

No language model is involved: every sentence or quotation returned is copied verbatim from
the paragraph its citation names. Pure core: no discord, no I/O at import time.
"""

from __future__ import annotations

from bot.core.answers.ask import Answer, ask
from bot.core.answers.quotebook import QuoteBook, QuoteResult, find_quotes
from bot.core.answers.quotes import (
    Quote,
    QuoteMatch,
    extract_quotes,
    quotes_from_json,
    quotes_to_json,
)
from bot.core.answers.sentences import CitedSentence, Span, split_sentences
from bot.core.answers.summary import Summary, suggest_documents, summarize

__all__ = [
    "Answer",
    "CitedSentence",
    "Quote",
    "QuoteBook",
    "QuoteMatch",
    "QuoteResult",
    "Span",
    "Summary",
    "ask",
    "extract_quotes",
    "find_quotes",
    "quotes_from_json",
    "quotes_to_json",
    "split_sentences",
    "suggest_documents",
    "summarize",
]
