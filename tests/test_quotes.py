"""Quotations: extraction with speakers (checked against a reading of the seeds), the JSON
round trip, fuzzy lookup of misremembered wording, speaker search and autocomplete."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bot.config import BM25Settings, TokenizerSettings
from bot.core.answers import QuoteBook, extract_quotes, find_quotes
from bot.core.answers.quotebook import similarity
from bot.core.answers.quotes import Quote, quotes_from_json, quotes_to_json
from bot.core.index import ArchiveIndex, FileEntry, ParsedFile, build_index
from bot.core.models import Article, Filters
from bot.core.search import Archive, FiltersExcludeAllError
from bot.core.tokenize import Tokenizer
from bot.errors import QueryError

D000, D001, D002 = "000_92e0ac5bf622c90d", "001_1a747fc895aa23e5", "002_817d4b4767b2b63e"
D002B, D003, D004 = "002_817d4b4767b2b63e#2", "003_03cdae4a38ed77fc", "004_303e15b8da19fadf"

LAVROV, MUALLEM, KHODR = "Sergey Lavrov", "Walid al-Muallem", "Zeina Khodr"
CHALLANDS, KHLEBNIKOV = "Rory Challands", "Alexey Khlebnikov"
ALLOUSH, MUSLET, MISTURA = "Mohammed Alloush", "Salem al-Muslet", "Staffan de Mistura"
STATE, PUTIN = "US State Department", "Vladimir Putin"

# Every quotation of the seeds as read by hand: (doc, kind, speaker, how the text starts).
EXPECTED = [
    (D000, "quote", "Alexander Lavrentyev", "No one doubts the usefulness of Astana platform"),
    (D000, "quote", "Ahmed Tuma", "We want negotiations to take place in Astana and only in "
                                  "Astana. If the guarantor countries"),
    (D001, "quote", LAVROV, "Russian airstrikes will not cease"),
    (D001, "reported", MUSLET, "Lavrov's remarks were"),
    (D001, "line", MUSLET, "Russia is using the political process"),
    (D001, "reported", MISTURA, "indirect negotiations had begun"),
    (D001, "quote", "Bashar al-Jaafari", "still in the preparatory stage"),
    (D001, "reported", ALLOUSH, "those pressing to form a unity government"),
    (D001, "line", ALLOUSH, "Whoever wants us to go into a unity government"),
    (D001, "reported", ALLOUSH, 'he was "not optimistic"'),
    (D001, "quote", None, "a branch of the regime"),  # "A stocky man in his 40s, also said"
    (D001, "reported", ALLOUSH, "the HNC would be taking a decision"),
    (D001, "reported", "Pawel Krzysiek", "12 trucks carrying food"),
    (D001, "quote", None, "information, political and security analysts"),
    (D001, "quote", None, "political and operational mitigation measures"),
    (D002, "reported", LAVROV, "the majority of Syria had been"),
    (D002, "quote", LAVROV, "What we need to do now is to wipe out"),
    (D002, "quote", LAVROV, "It is unacceptable that those terrorists"),
    (D002, "quote", MUALLEM, "go all the way"),
    (D002, "quote", CHALLANDS, "The question is how costly"),
    (D002, "quote", CHALLANDS, "It’s not a question of if"),
    (D002, "quote", LAVROV, "actively get down to work"),
    (D002, "quote", LAVROV, "We can see that there is a very swift mobilisation"),
    (D002, "quote", CHALLANDS, "The Russians know that"),
    (D002, "quote", CHALLANDS, "but they don’t want to shoulder"),
    (D002, "quote", MUALLEM, "It’s natural to think about Syria"),
    (D002, "quote", MUALLEM, "putting an end to terrorism"),
    (D002, "quote", LAVROV, "This kind of provocation"),
    (D002, "quote", LAVROV, "We have warned our Western partners"),  # never closed
    (D002, "quote", MUALLEM, "another aggression to save al-Nusra Front"),
    (D002, "quote", MUALLEM, "We will practise our legitimate right"),
    (D002, "quote", KHODR, "Many of these people are considered terrorists"),
    (D002, "quote", KHODR, "Being a medic according to the Syrian government"),
    (D002, "reported", MISTURA, "a potential “perfect storm”"),
    (D002, "quote", KHODR, "behind the scenes negotiations"),
    (D002, "quote", KHODR, "What we understand from some sources"),
    (D002, "quote", KHODR, "We even heard Lavrov tell the Syrian government ‘we are talking"),
    (D002, "reported", KHLEBNIKOV, "creating another refugee crisis"),
    (D002, "quote", KHLEBNIKOV, "This is why Russia is now trying"),
    (D002, "quote", KHLEBNIKOV, "Now, Russia’s message to the West"),
    (D002, "quote", KHODR, "meaningful, credible, political transition"),
    (D002, "quote", KHODR, "[The Russians] have sidelined"),
    (D002, "reported", KHODR, "The narrative for Russia and Syria"),
    (D002, "quote", KHODR, "They’ve appealed to the international community"),
    (D002B, "reported", "Obama", "it should be pursued only in conjunction"),
    (D002B, "quote", "Obama", "At this point, the U.S.’s core interests"),
    (D002B, "quote", "Obama", "Our core interests are that everybody"),
    (D002B, "quote", "John F. Kerry", "The international community cannot turn a blind eye"),
    (D002B, "quote", "John F. Kerry", "We are looking very closely"),
    (D002B, "quote", None, "Syrian national stabilization force"),
    (D003, "quote", STATE, "The violence must end"),
    (D003, "quote", STATE, "will result in the destabilization"),
    (D003, "quote", STATE, "We call on all parties"),
    (D003, "reported", PUTIN, "he did not rule out the possibility"),
    (D003, "reported", PUTIN, "Moscow and Damascus would continue"),
    (D004, "reported", "Russia", "it was ready for talks with the United States"),
    (D004, "quote", "Sergei Lavrov", "We are immediately ready to send out military experts"),
    (D004, "quote", "Zakaria Malahifji", "I asked the factions, they said ‘we will not surrender’"),
    (D004, "reported", MISTURA, "it could be more than 100,000 people"),
]

# Scare quotes, names and fragments that must not become quotations.
NOT_QUOTES = ["terrorists", "terrorist", "disarray", "unprecedented", "formula",
              "terrible battle", "rebels", "normalize life", "humanitarian corridors",
              "perfect storm", "core interest", "a blind eye", "Army of Aleppo",
              "Draft Ceasefire Modalities Concept Paper",
              "freed of terrorists", "de-escalation zone", "act of aggression", "provocateurs",
              "blatantly", "outrageous", "delusional", "not optimistic", "in two days",
              "personally and physically"]


@pytest.fixture(scope="module")
def seed_quotes(seed_archive: Archive) -> list[Quote]:
    return extract_quotes(seed_archive.index)


def described(archive: Archive, quotes: list[Quote]) -> list[tuple[str, str, str | None]]:
    return [(archive.index.docs[q.doc_index].doc_id, q.kind, q.speaker) for q in quotes]


def test_every_seed_quotation_and_speaker(seed_archive: Archive,
                                          seed_quotes: list[Quote]) -> None:
    got = described(seed_archive, seed_quotes)
    assert got == [(d, k, s) for d, k, s, _ in EXPECTED]
    for quote, (_, _, _, start) in zip(seed_quotes, EXPECTED, strict=True):
        assert quote.text.startswith(start), (quote.text, start)


def test_counts_and_speakers_per_seed(seed_archive: Archive, seed_quotes: list[Quote]) -> None:
    counts = Counter(d for d, _, _ in described(seed_archive, seed_quotes))
    assert counts == {D000: 2, D001: 13, D002: 29, D002B: 6, D003: 5, D004: 4}
    speakers = {d: {s for dd, _, s in described(seed_archive, seed_quotes) if dd == d and s}
                for d in counts}
    assert speakers[D000] == {"Alexander Lavrentyev", "Ahmed Tuma"}
    assert speakers[D001] == {LAVROV, MUSLET, MISTURA, "Bashar al-Jaafari", ALLOUSH,
                              "Pawel Krzysiek"}
    assert speakers[D002] == {LAVROV, MUALLEM, CHALLANDS, KHODR, MISTURA, KHLEBNIKOV}
    assert speakers[D002B] == {"Obama", "John F. Kerry"}
    assert speakers[D003] == {STATE, PUTIN}
    assert speakers[D004] == {"Russia", "Sergei Lavrov", "Zakaria Malahifji", MISTURA}


def test_quotations_are_verbatim_in_their_paragraph(seed_archive: Archive,
                                                    seed_quotes: list[Quote]) -> None:
    for q in seed_quotes:
        text = seed_archive.index.text(q.para)
        assert q.text in text and q.context in text
        assert q.text in q.context or q.kind == "line"
        assert seed_archive.index.para_doc[q.para] == q.doc_index


def test_scare_quotes_are_not_quotations(seed_quotes: list[Quote]) -> None:
    texts = {q.text for q in seed_quotes}
    for phrase in NOT_QUOTES:
        assert phrase not in texts


def test_nested_single_quotes_stay_inside(seed_quotes: list[Quote]) -> None:
    (quote,) = [q for q in seed_quotes if q.speaker == "Zakaria Malahifji"]
    assert quote.text == "I asked the factions, they said ‘we will not surrender’"


def test_json_round_trip(seed_archive: Archive, seed_quotes: list[Quote]) -> None:
    rows = quotes_to_json(seed_quotes)
    assert quotes_from_json(json.loads(json.dumps(rows))) == seed_quotes
    # built at index time and stored with the index
    assert quotes_from_json(seed_archive.index.extras["quotes"]) == seed_quotes
    assert seed_archive.quotes.quotes == seed_quotes


# ---------------------------------------------------------------------- synthetic articles
def make_index(*articles: tuple[str, ...]) -> ArchiveIndex:
    parsed = [
        ParsedFile(FileEntry(f"{i}.txt", f"{i}", 1, 1),
                   (Article(f"doc{i}", f"Title {i}", paras, f"{i}.txt", "2020-01-01"),))
        for i, paras in enumerate(articles)
    ]
    return build_index(parsed, Tokenizer(TokenizerSettings()), BM25Settings())


def quotes_of(*paragraphs: str) -> list[tuple[str, str | None, str]]:
    return [(q.text, q.speaker, q.kind) for q in extract_quotes(make_index(paragraphs))]


def test_dash_attribution_on_the_next_line_or_paragraph() -> None:
    assert quotes_of("We will never accept this outcome at all.\n—Jane Doe, party leader") == [
        ("We will never accept this outcome at all.", "Jane Doe", "line")]
    assert quotes_of("We will never accept this outcome at all.", "—Jane Doe, party leader") == [
        ("We will never accept this outcome at all.", "Jane Doe", "line")]


def test_pronouns_and_surnames_resolve_to_the_named_person() -> None:
    got = quotes_of(
        "Foreign Minister Anna Berg met the envoy on Monday.",
        "“The talks will continue next week in Vienna,” she said.",
        "“We are not going anywhere at all,” Berg added. “We will stay as long as it takes.”",
        "“Nobody expects a quick result here,” the Interior Ministry said.",
    )
    assert got == [
        ("The talks will continue next week in Vienna", "Anna Berg", "quote"),
        ("We are not going anywhere at all", "Anna Berg", "quote"),
        ("We will stay as long as it takes.", "Anna Berg", "quote"),
        ("Nobody expects a quick result here", "Interior Ministry", "quote"),
    ]


def test_no_speaker_rather_than_a_guess() -> None:
    got = quotes_of("“This is a quotation nobody is credited with,” he said.",
                    "The report calls for “an independent inquiry into the events”.")
    assert got == [("This is a quotation nobody is credited with", None, "quote"),
                   ("an independent inquiry into the events", None, "quote")]


def test_short_quotes_only_when_a_whole_attributed_utterance() -> None:
    got = quotes_of("Minister Anna Berg called it a “disaster” and left.",
                    "“Never,” Anna Berg said.", "The so-called “Grand Plan” failed.",
                    "A report titled “Plans For The Future Of Syria” was released.")
    assert got == [("Never", "Anna Berg", "quote")]


def test_straight_quotes_and_continued_paragraphs() -> None:
    got = quotes_of('"Russian jets will keep flying over the city," said John Smith, the '
                    'analyst. "They have no reason to stop.',
                    '"And nobody is asking them to stop either," he added.')
    assert got == [
        ("Russian jets will keep flying over the city", "John Smith", "quote"),
        ("They have no reason to stop.", "John Smith", "quote"),
        ("And nobody is asking them to stop either", "John Smith", "quote"),
    ]


def test_reported_statements() -> None:
    got = quotes_of("Maria Lopez told reporters on Tuesday that the convoy had reached the town.",
                    "According to Omar Haddad, an aid worker, the town has no water left.",
                    "Some people said that the town has no water left at all.")
    assert got == [
        ("the convoy had reached the town", "Maria Lopez", "reported"),
        ("the town has no water left", "Omar Haddad", "reported"),
    ]


# ---------------------------------------------------------------------- lookup
@pytest.mark.parametrize(
    ("words", "doc_id", "speaker", "start"),
    [
        ("nobody doubts the usefulness of the astana platform", D000, "Alexander Lavrentyev",
         "No one doubts"),
        ("we want talks in astana and only astana", D000, "Ahmed Tuma", "We want negotiations"),
        ("whoever wants a unity government with these thugs is delusional", D001, ALLOUSH,
         "Whoever wants"),
        ("russian air strikes won't stop until we defeat the terrorists", D001, LAVROV,
         "Russian airstrikes"),
        ("the international community can't turn a blind eye to this barbarism", D002B,
         "John F. Kerry", "The international community"),
        ("We will not surrender!", D004, "Zakaria Malahifji", "I asked the factions"),
        ("the violence has to end", D003, STATE, "The violence must end"),
        ("12 trucks of food and medicine", D001, "Pawel Krzysiek", "12 trucks"),
        ("core interests in the region are not oil", D002B, "Obama", "At this point"),
        ("what we need now is to wipe out the terrorist groups", D002, LAVROV, "What we need"),
    ],
)
def test_lookup_finds_misremembered_quotations(seed_archive: Archive, words: str, doc_id: str,
                                               speaker: str, start: str) -> None:
    best = seed_archive.quotes.lookup(words, limit=3, min_match=60)[0]
    assert (best.doc_id, best.speaker) == (doc_id, speaker)
    assert best.quote.startswith(start)
    assert best.match >= 70
    doc = seed_archive.index.docs[seed_archive.index.doc_lookup[best.doc_id]]
    assert best.quote in seed_archive.index.paragraphs_of(doc)[best.paragraph - 1]


def test_lookup_ranks_and_cuts(seed_archive: Archive) -> None:
    book = seed_archive.quotes
    assert book.lookup("the quick brown fox jumps over the lazy dog", 5, 60) == []
    assert book.lookup("", 5, 60) == []
    found = book.lookup("our core interests", 5, 50)
    assert [m.match for m in found] == sorted((m.match for m in found), reverse=True)
    assert all(0 <= m.match <= 100 for m in found)
    assert len(book.lookup("Idlib", 2, 60)) == 2


def test_similarity() -> None:
    assert similarity("the violence must end", "the violence must end") == 100
    assert similarity("", "x") == 0
    # a short quotation is not "found" inside a long query
    assert similarity("go all the way to the end of the road tonight", "go all the way") < 60


def test_by_speaker(seed_archive: Archive) -> None:
    book = seed_archive.quotes
    lavrov = book.by_speaker("lavrov", limit=20)
    assert {m.speaker for m in lavrov} == {LAVROV, "Sergei Lavrov"}
    assert {m.doc_id for m in lavrov} == {D001, D002, D004}
    assert book.by_speaker("LAVROV", 20) == lavrov
    assert {m.speaker for m in book.by_speaker("Sergei Lavrov", 20)} == {"Sergei Lavrov"}
    assert {m.speaker for m in book.by_speaker("muallem", 20)} == {MUALLEM}
    assert {m.speaker for m in book.by_speaker("kerry", 20)} == {"John F. Kerry"}
    assert {m.speaker for m in book.by_speaker("lavrof", 20)} == {LAVROV, "Sergei Lavrov"}
    assert book.by_speaker("nobody", 20) == []
    assert len(book.by_speaker("khodr", 3)) == 3


def test_speakers_and_suggestions(seed_archive: Archive) -> None:
    book = seed_archive.quotes
    assert book.speakers()[:2] == [KHODR, LAVROV]  # the most quoted first
    assert len(book.speakers()) == len(set(book.speakers())) == 19
    assert book.suggest_speakers("zei") == [KHODR]
    assert book.suggest_speakers("lav")[:3] == [LAVROV, "Alexander Lavrentyev", "Sergei Lavrov"]
    assert book.suggest_speakers("", limit=3) == book.speakers()[:3]
    assert book.suggest_speakers("jaaf") == ["Bashar al-Jaafari"]


def test_find_quotes_combines_text_speaker_and_filters(seed_archive: Archive) -> None:
    both = find_quotes(seed_archive, "ready to send military experts", speaker="lavrov")
    assert [m.speaker for m in both.matches][:1] == ["Sergei Lavrov"]
    assert all("Lavrov" in (m.speaker or "") for m in both.matches)
    none = find_quotes(seed_archive, "ready to send military experts", speaker="khodr")
    assert none.matches == ()
    dated = find_quotes(seed_archive, speaker="lavrov", limit=20,
                        filters=Filters(date_from="2016-06-01"))
    assert {m.speaker for m in dated.matches} == {"Sergei Lavrov"}
    only_2019 = find_quotes(seed_archive, "the violence must end", filters=Filters(
        date_from="2019-01-01"))
    assert {m.doc_id for m in only_2019.matches} == {D003}
    assert len(find_quotes(seed_archive, speaker="khodr").matches) == (
        seed_archive.settings.answers.quote_limit)
    with pytest.raises(FiltersExcludeAllError):
        find_quotes(seed_archive, "anything", filters=Filters(date_to="1990-01-01"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "Give the words of a quotation"),
    ({"text": "  ", "speaker": " "}, "Give the words of a quotation"),
    ({"text": "x" * 301}, "quotation is 301 characters long"),
    ({"text": "peace", "limit": 0}, "limit must be between 1 and"),
    ({"speaker": "lavrov", "limit": 1000}, "limit must be between 1 and"),
])
def test_find_quotes_errors(seed_archive: Archive, kwargs: dict[str, object],
                            message: str) -> None:
    with pytest.raises(QueryError, match=message):
        find_quotes(seed_archive, **kwargs)  # type: ignore[arg-type]


def test_book_from_an_index_without_quotes() -> None:
    index = make_index(("“Something quite long was said here,” Jane Doe said.",))
    assert len(QuoteBook.from_json([], index)) == 0
    book = QuoteBook(extract_quotes(index), index)
    (match,) = book.lookup("something long was said", 5, 60)
    assert (match.doc_id, match.paragraph, match.speaker) == ("doc0", 1, "Jane Doe")
