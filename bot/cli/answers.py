"""``archive-bot ask``, ``archive-bot summary`` and ``archive-bot quote``."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.cli.common import (
    add_filter_options,
    add_json_option,
    load_archive,
    print_json,
)
from bot.cli.output import wrap
from bot.cli.search import hit_json
from bot.config import Settings
from bot.core.followup import FirstQuestion, read_follow_up
from bot.core.models import Citation
from bot.core.requests import AskRequest, QuoteRequest, SummaryRequest, check_text
from bot.core.snapshot import Snapshot

if TYPE_CHECKING:  # the answer code is imported by the command that runs it
    from bot.core.answers import Answer, QuoteMatch, QuoteResult, Summary
    from bot.core.answers.sentences import CitedSentence


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("ask", parents=[parent], help="answer a question from the archive",
                       description="Answer a question with sentences copied from the archive, "
                                   "each cited; says so when the archive holds no answer.")
    p.add_argument("question", help="the question (at most 300 characters)")
    add_filter_options(p)
    p.add_argument("--follow-up-of", metavar="QUESTION", default=None,
                   help="read the question as a follow-up of this first question, as in a "
                        "Discord thread the bot opened (says 'Read as: ...')")
    add_json_option(p)
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("summary", parents=[parent], help="extractive summary with citations",
                       description="Summarise a topic across articles, one article (--doc), "
                                   "or, with neither, the most recent articles (one central "
                                   "sentence each) of the archive or of the filtered part.")
    p.add_argument("topic", nargs="?", default=None, help="what to summarise (optional)")
    p.add_argument("--doc", dest="doc_id", metavar="DOC_ID", help="summarise this article")
    p.add_argument("--sentences", type=int, default=None, metavar="N",
                   help="number of sentences (default 5, at most 15)")
    add_filter_options(p)
    add_json_option(p)
    p.set_defaults(handler=cmd_summary)

    p = sub.add_parser("quote", parents=[parent], help="find who said a quotation, and where",
                       description="Find the source of a quotation, even misremembered, "
                                   "and/or the quotations of a speaker.")
    p.add_argument("text", nargs="?", default=None, help="the words you remember")
    p.add_argument("--speaker", metavar="NAME", help="only this speaker (a surname works)")
    p.add_argument("--limit", type=int, default=None, help="number of results (default 5)")
    add_filter_options(p)
    add_json_option(p)
    p.set_defaults(handler=cmd_quote)


def _citation_json(c: Citation) -> dict[str, Any]:
    return {"doc_id": c.doc_id, "title": c.title, "source": c.source, "date": c.date,
            "paragraph": c.paragraph}


def _numbered(sentences: Iterable[CitedSentence]) -> tuple[list[int], list[Citation]]:
    """A citation number per sentence; sentences from one paragraph share theirs."""
    numbers: dict[tuple[str, int], int] = {}
    cites: list[Citation] = []
    out = []
    for s in sentences:
        key = (s.citation.doc_id, s.citation.paragraph)
        if key not in numbers:
            numbers[key] = len(cites) + 1
            cites.append(s.citation)
        out.append(numbers[key])
    return out, cites


def answer_json(answer: Answer) -> dict[str, Any]:
    _, cites = _numbered(answer.sentences)
    return {
        "question": answer.question,
        "found": answer.found,
        "answer": answer.message,
        "citations": [_citation_json(c) for c in cites],
        "passages": [hit_json(h) for h in answer.passages],
    }


def _follow_up(args: argparse.Namespace, settings: Settings,
               wanted: AskRequest) -> tuple[AskRequest, str | None]:
    """``--follow-up-of``: the question read by the rule the bot applies in its threads."""
    if args.follow_up_of is None:
        return wanted, None
    first = FirstQuestion(check_text(settings, args.follow_up_of, "first question"))
    reading = read_follow_up(settings, wanted.question, first, wanted.filters)
    return AskRequest(reading.question, reading.filters), reading.read_as


def cmd_ask(args: argparse.Namespace) -> int:
    archive, _ = load_archive(args)
    wanted = AskRequest.parse(archive.settings, args.question, args.date_from, args.date_to,
                              args.source)
    wanted, read_as = _follow_up(args, archive.settings, wanted)
    from bot.core.answers import ask

    answer = ask(Snapshot(archive), wanted)
    if args.json:
        extra = {"read_as": read_as} if args.follow_up_of is not None else {}
        print_json({**answer_json(answer), **extra})
        return 0
    if read_as is not None:
        print(f"Read as: {read_as}\n")
    if not answer.found:
        print(answer.message)
        return 0
    numbers, cites = _numbered(answer.sentences)
    text = " ".join(f"{s.text} [{n}]" for s, n in zip(answer.sentences, numbers, strict=True))
    print(wrap(text, indent=""))
    print()
    for n, c in enumerate(cites, start=1):
        print(f"[{n}] {c.label()}")
    return 0


def summary_json(summary: Summary) -> dict[str, Any]:
    return {
        "topic": summary.topic,
        "doc_id": summary.doc_id,
        "sentences": [
            {"text": s.text, "doc_id": s.citation.doc_id, "title": s.citation.title,
             "date": s.citation.date, "paragraph": s.citation.paragraph}
            for s in summary.sentences
        ],
    }


def cmd_summary(args: argparse.Namespace) -> int:
    archive, _ = load_archive(args)
    wanted = SummaryRequest.parse(archive.settings, args.topic, args.doc_id, args.sentences,
                                  args.date_from, args.date_to, args.source)
    from bot.core.answers import summarize

    summary = summarize(Snapshot(archive), wanted)
    if args.json:
        print_json(summary_json(summary))
        return 0
    if not summary.sentences:
        print(summary.message or "Nothing to summarise.")
        return 0
    if summary.doc_id is not None:
        title = summary.sentences[0].citation.title
        head = f"Summary of “{title}” ({summary.doc_id})"
        if summary.topic:
            head += f" about “{summary.topic}”"
    elif summary.topic:
        head = f"Summary of “{summary.topic}”"
    else:
        head = "Overview of the archive's most recent articles"
    print(f"{head}: {len(summary.sentences)} sentences\n")
    numbers, cites = _numbered(summary.sentences)
    for s, n in zip(summary.sentences, numbers, strict=True):
        print(wrap(f"{s.text} [{n}]", indent="  "))
    print()
    for n, c in enumerate(cites, start=1):
        print(f"[{n}] {c.label()}")
    return 0


def _match_json(m: QuoteMatch) -> dict[str, Any]:
    return {"quote": m.quote, "kind": m.kind, "speaker": m.speaker,
            "speaker_as_written": m.speaker_as_written, "doc_id": m.doc_id, "title": m.title,
            "source": m.source, "date": m.date, "paragraph": m.paragraph, "match": m.match}


def _quote_line(n: int, m: QuoteMatch) -> str:
    """Only verbatim words go between quotation marks: a reported statement is "X said
    that …", a fragment is labelled as a phrase quoted in reported speech."""
    who = m.speaker or "speaker not named"
    if m.kind == "reported":  # an unquoted statement: not the speaker's exact words
        return f"[{n}] (reported, not verbatim) {m.speaker or 'Someone'} said that {m.quote}"
    if m.kind == "fragment":
        return f"[{n}] “{m.quote}” — {who} (a phrase quoted in reported speech)"
    return f"[{n}] “{m.quote}” — {who}"


def quote_json(result: QuoteResult) -> dict[str, Any]:
    return {"query": result.query or result.speaker or "",
            "results": [_match_json(m) for m in result.matches]}


def cmd_quote(args: argparse.Namespace) -> int:
    archive, _ = load_archive(args)
    wanted = QuoteRequest.parse(archive.settings, args.text, args.speaker, args.limit,
                                args.date_from, args.date_to, args.source)
    snapshot = Snapshot(archive)
    from bot.core.answers import find_quotes

    result = find_quotes(snapshot, wanted)
    if args.json:
        print_json(quote_json(result))
        return 0
    if not result.matches:
        what = f"“{result.query}”" if result.query else ""
        if result.speaker:
            what += (" by " if what else "by ") + result.speaker
        print(f"No quotation {what} found in the archive "
              f"({len(snapshot.quotes)} quotations from {len(archive.index.docs)} articles).")
        return 0
    for n, m in enumerate(result.matches, start=1):
        cite = Citation(m.doc_id, m.title, m.source, m.date, m.paragraph)
        print(wrap(_quote_line(n, m), indent=""))
        print(f"    {cite.label()}  (match {m.match:.0f}%)")
    return 0
