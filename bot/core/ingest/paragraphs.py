"""Capping paragraph length: a paragraph over the cap is split at sentence boundaries into
consecutive paragraphs, so citations stay exact."""

from __future__ import annotations

import dataclasses

from bot.core.models import Article

DEFAULT_MAX_PARAGRAPH_CHARS = 4000

def split_paragraph(text: str, max_chars: int) -> list[str]:
    """``text`` cut into pieces of at most ``max_chars`` characters, each a run of whole
    sentences (as :func:`~bot.core.answers.sentences.split_sentences` finds them), packed
    greedily; a sentence longer than ``max_chars`` on its own is cut at the last white space
    that fits (mid-word only when there is none). Pieces are verbatim slices of ``text``
    without their surrounding white space, so answers still quote the archive exactly."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []

    def emit(start: int, end: int) -> None:
        piece = text[start:end].strip()
        if piece:
            pieces.append(piece)

    def hard_split(start: int, end: int) -> None:
        while end - start > max_chars:
            cut = max(text.rfind(" ", start + 1, start + max_chars + 1),
                      text.rfind("\n", start + 1, start + max_chars + 1))
            if cut <= start:
                cut = start + max_chars
            emit(start, cut)
            start = cut
            while start < end and text[start].isspace():
                start += 1
        emit(start, end)

    # imported here: the sentence splitter pulls in the answer package, which listing an
    # archive (a one-shot search checking its saved index) does not need
    from bot.core.answers.sentences import split_sentences

    chunk_start: int | None = None
    chunk_end = 0
    for span in split_sentences(text):
        if chunk_start is not None and span.end - chunk_start > max_chars:
            emit(chunk_start, chunk_end)
            chunk_start = None
        if span.end - span.start > max_chars:
            hard_split(span.start, span.end)
            continue
        if chunk_start is None:
            chunk_start = span.start
        chunk_end = span.end
    if chunk_start is not None:
        emit(chunk_start, chunk_end)
    return pieces


def cap_paragraphs(article: Article, max_chars: int | None) -> tuple[Article, int]:
    """``article`` with every paragraph over ``max_chars`` split (:func:`split_paragraph`)
    into consecutive paragraphs, and how many paragraphs were split. Paragraph numbers
    in citations are positions in the returned article, so they stay consistent."""
    if not max_chars or all(len(p) <= max_chars for p in article.paragraphs):
        return article, 0
    paragraphs: list[str] = []
    split = 0
    for text in article.paragraphs:
        if len(text) > max_chars:
            paragraphs.extend(split_paragraph(text, max_chars))
            split += 1
        else:
            paragraphs.append(text)
    return dataclasses.replace(article, paragraphs=tuple(paragraphs)), split

