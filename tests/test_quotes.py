"""Quotations: extraction with speakers (checked against a reading of the seeds), the table
round trip, fuzzy lookup of misremembered wording, speaker search and autocomplete."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.config import BM25Settings, TokenizerSettings
from bot.core.answers import (
    QuoteBook,
    QuoteResult,
    extract_article,
    extract_quotes,
    find_quotes,
    quotebook,
)
from bot.core.answers.quotebook import normalise_text, similarity
from bot.core.index import ArchiveIndex, FileEntry, ParsedFile, build_index
from bot.core.models import Article, Filters
from bot.core.quotations import EMPTY, Quotation, QuotationTable
from bot.core.requests import QuoteRequest
from bot.core.search import FiltersExcludeAllError
from bot.core.snapshot import Snapshot
from bot.core.tokenize import Tokenizer
from bot.errors import QueryError

D000, D001, D002 = "000_92e0ac5bf622c90d", "001_1a747fc895aa23e5", "002_817d4b4767b2b63e"
D002B, D003, D004 = "002_817d4b4767b2b63e#2", "003_03cdae4a38ed77fc", "004_303e15b8da19fadf"

LAVROV, MUALLEM, KHODR = "Sergey Lavrov", "Walid al-Muallem", "Zeina Khodr"
CHALLANDS, KHLEBNIKOV = "Rory Challands", "Alexey Khlebnikov"
ALLOUSH, MUSLET, MISTURA = "Mohammed Alloush", "Salem al-Muslet", "Staffan de Mistura"
STATE, PUTIN = "US State Department", "Vladimir Putin"

# Every quotation of the seeds, looked at by eye (issue #14: reported speech and fragments
# found now, em-dash lines quoted): (doc, kind, speaker, how the text starts).
EXPECTED = [
    (D000, 'reported', 'Syria Call',
     'Russian presidential envoy Alexander Lavrentyev has threatened'),
    (D000, 'reported', 'Alexander Lavrentyev', 'its absence would not impact the decisions'),
    (D000, 'quoted', 'Alexander Lavrentyev', 'No one doubts the usefulness of Astana'),
    (D000, 'quoted', 'Ahmed Tuma', 'We want negotiations to take place in'),
    (D001, 'reported', 'Russia', 'it will continue to bomb Syria until'),
    (D001, 'fragment', 'Russia', 'terrorists'),  # in straight single marks
    (D001, 'reported', LAVROV, "Moscow's relentless air campaign"),  # "suggested", no "that"
    (D001, 'fragment', LAVROV, 'terrorists'),
    (D001, 'quoted', LAVROV, 'Russian airstrikes will not cease until we'),
    (D001, 'reported', MUSLET, 'Lavrov\'s remarks were "outrageous", and part of'),
    (D001, 'fragment', MUSLET, 'outrageous'),
    (D001, 'quoted', MUSLET, 'Russia is using the political process [in'),
    (D001, 'reported', MISTURA, 'indirect negotiations had begun as foreseen in'),
    (D001, 'reported', 'Bashar al-Jaafari', 'talks were "still in the preparatory stage"'),
    (D001, 'fragment', 'Bashar al-Jaafari', 'still in the preparatory stage'),
    (D001, 'reported', ALLOUSH, 'those pressing to form a unity government'),
    (D001, 'fragment', ALLOUSH, 'delusional'),
    (D001, 'quoted', ALLOUSH, 'Whoever wants us to go into a'),
    (D001, 'reported', ALLOUSH, 'he was "not optimistic" about reaching a'),
    (D001, 'fragment', ALLOUSH, 'not optimistic'),
    (D001, 'fragment', None, 'a branch of the regime'),
    (D001, 'reported', ALLOUSH, 'the HNC would be taking a decision'),
    (D001, 'fragment', ALLOUSH, 'in two days'),
    (D001, 'reported', 'International Committee for the Red Cross',
     'Meanwhile, an aid convoy carrying food and'),
    (D001, 'reported', 'Pawel Krzysiek', '12 trucks carrying food, medicine and medical'),
    (D001, 'reported', 'FP', 'the idea is particularly delicate in Syria,'),
    (D001, 'fragment', None, 'information, political and security analysts'),
    (D001, 'quoted', None, 'political and operational mitigation measures to address'),
    (D002, 'reported', LAVROV, 'the majority of Syria had been “freed'),
    (D002, 'fragment', LAVROV, 'freed of terrorists'),
    (D002, 'quoted', LAVROV, 'What we need to do now is'),
    (D002, 'quoted', LAVROV, 'It is unacceptable that those terrorists particularly'),
    (D002, 'reported', MUALLEM, 'the Syrian forces will “go all the'),
    (D002, 'fragment', MUALLEM, 'go all the way'),
    (D002, 'quoted', CHALLANDS, 'The question is how costly the assault'),
    (D002, 'quoted', CHALLANDS, 'It’s not a question of if it'),
    (D002, 'quoted', LAVROV, 'actively get down to work on modernising'),
    (D002, 'quoted', LAVROV, 'We can see that there is a'),
    (D002, 'quoted', CHALLANDS, 'The Russians know that as the pre-eminent'),
    (D002, 'quoted', CHALLANDS, 'but they don’t want to shoulder all'),
    (D002, 'reported', MUALLEM, 'Russia and Syria are united in their'),
    (D002, 'quoted', MUALLEM, 'It’s natural to think about Syria to'),
    (D002, 'quoted', MUALLEM, 'putting an end to terrorism'),
    (D002, 'quoted', LAVROV, 'This kind of provocation is being staged'),
    (D002, 'quoted', LAVROV, 'We have warned our Western partners clearly'),
    (D002, 'quoted', MUALLEM, 'another aggression to save al-Nusra Front'),
    (D002, 'quoted', MUALLEM, 'We will practise our legitimate right in'),
    (D002, 'reported', 'Turkey', 'it will not open its borders to'),
    (D002, 'reported', 'Syrian government', 'it will open “humanitarian corridors” for civilians'),
    (D002, 'fragment', 'Syrian government', 'humanitarian corridors'),
    (D002, 'quoted', KHODR, 'Many of these people are considered terrorists'),
    (D002, 'quoted', KHODR, 'Being a medic according to the Syrian'),
    (D002, 'reported', MISTURA, 'a potential “perfect storm” is looming over'),
    (D002, 'fragment', MISTURA, 'perfect storm'),
    (D002, 'fragment', MISTURA, 'personally and physically'),
    (D002, 'reported', KHODR, 'there are still “behind the scenes negotiations'),
    (D002, 'fragment', KHODR, 'behind the scenes negotiations between the Russians'),
    (D002, 'quoted', KHODR, 'What we understand from some sources is'),
    (D002, 'quoted', KHODR, 'We even heard Lavrov tell the Syrian'),
    (D002, 'reported', KHLEBNIKOV, 'creating another refugee crisis will be contrary'),
    (D002, 'quoted', KHLEBNIKOV, 'This is why Russia is now trying'),
    (D002, 'quoted', KHLEBNIKOV, 'Now, Russia’s message to the West is'),
    (D002, 'reported', KHODR, 'Western countries are not prepared to join'),
    (D002, 'fragment', KHODR, 'meaningful, credible, political transition'),
    (D002, 'quoted', KHODR, '[The Russians] have sidelined the political transition'),
    (D002, 'reported', KHODR, 'The narrative for Russia and Syria is'),
    (D002, 'quoted', KHODR, 'They’ve appealed to the international community, particularly'),
    (D002B, 'reported', 'Obama', 'it should be pursued only in conjunction'),
    (D002B, 'quoted', 'Obama', 'At this point, the U.S.’s core interests'),
    (D002B, 'quoted', 'Obama', 'Our core interests are that everybody is'),
    (D002B, 'reported', 'John F. Kerry', 'the regime’s use of chlorine would violate'),
    (D002B, 'quoted', 'John F. Kerry', 'The international community cannot turn a blind'),
    (D002B, 'quoted', 'John F. Kerry', 'We are looking very closely into this'),
    (D002B, 'quoted', None, 'Syrian national stabilization force'),
    (D003, 'fragment', 'United States', 'blatantly'),
    (D003, 'quoted', STATE, 'The violence must end'),
    (D003, 'quoted', STATE, 'will result in the destabilization of the'),
    (D003, 'quoted', STATE, 'We call on all parties, including Russia'),
    (D003, 'reported', 'Syrian Observatory for Human Rights',
     'At least 168 people have been killed'),
    (D003, 'reported', PUTIN, 'he did not rule out the possibility'),
    (D003, 'reported', PUTIN, 'Moscow and Damascus would continue what he'),
    (D004, 'reported', 'Russia', 'it was ready for talks with the'),
    (D004, 'reported', 'Russia', 'contacts with the Syrian factions'),  # "acknowledged"
    (D004, 'quoted', 'Sergei Lavrov', 'We are immediately ready to send out'),
    (D004, 'reported', 'Russia', 'the withdrawal of all “rebels” would “normalize'),
    (D004, 'fragment', 'Russia', 'rebels'),
    (D004, 'fragment', 'Russia', 'normalize life'),
    (D004, 'quoted', 'Zakaria Malahifji', 'I asked the factions, they said ‘we'),
    (D004, 'reported', 'Syrian Observatory for Human Rights', 'up to 200,000 people may still be'),
    (D004, 'reported', MISTURA, 'it could be more than 100,000 people'),
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
def seed_quotes(seed_snapshot: Snapshot) -> list[Quotation]:
    return extract_quotes(seed_snapshot.index)


def described(archive: Snapshot, quotes: list[Quotation]) -> list[tuple[str, str, str | None]]:
    return [(archive.index.docs[q.document].doc_id, q.kind, q.speaker) for q in quotes]


def test_every_seed_quotation_and_speaker(seed_snapshot: Snapshot,
                                          seed_quotes: list[Quotation]) -> None:
    got = described(seed_snapshot, seed_quotes)
    assert got == [(d, k, s) for d, k, s, _ in EXPECTED]
    for quote, (_, _, _, start) in zip(seed_quotes, EXPECTED, strict=True):
        assert quote.text.startswith(start), (quote.text, start)


def test_counts_and_speakers_per_seed(seed_snapshot: Snapshot,
                                      seed_quotes: list[Quotation]) -> None:
    counts = Counter(d for d, _, _ in described(seed_snapshot, seed_quotes))
    assert counts == {D000: 4, D001: 24, D002: 39, D002B: 7, D003: 7, D004: 9}
    speakers = {d: {s for dd, _, s in described(seed_snapshot, seed_quotes) if dd == d and s}
                for d in counts}
    assert speakers[D000] == {'Ahmed Tuma', 'Alexander Lavrentyev', 'Syria Call'}
    assert speakers[D001] == {'Bashar al-Jaafari', 'FP',
        'International Committee for the Red Cross', ALLOUSH, 'Pawel Krzysiek', 'Russia', MUSLET,
        LAVROV, MISTURA}
    assert speakers[D002] == {KHLEBNIKOV, CHALLANDS, LAVROV, MISTURA, 'Syrian government',
        'Turkey', MUALLEM, KHODR}
    assert speakers[D002B] == {'John F. Kerry', 'Obama'}
    assert speakers[D003] == {'Syrian Observatory for Human Rights', STATE, 'United States', PUTIN}
    assert speakers[D004] == {'Russia', 'Sergei Lavrov', MISTURA,
        'Syrian Observatory for Human Rights', 'Zakaria Malahifji'}


def test_quotations_are_verbatim_in_their_paragraph(seed_snapshot: Snapshot,
                                                    seed_quotes: list[Quotation]) -> None:
    index = seed_snapshot.index
    for q in seed_quotes:
        doc = index.docs[q.document]
        assert 0 <= q.paragraph < doc.count
        text = index.text(doc.first + q.paragraph)
        assert text[q.start:q.end] == q.text
        context = text[q.context_start:q.context_end]
        assert q.text in context


def test_scare_quotes_are_not_quotations(seed_quotes: list[Quotation]) -> None:
    """Scare quotes and names are never ``quoted`` (a fragment inside an attributed
    sentence, such as ``he was “not optimistic”``, is their speaker's, labelled so)."""
    texts = {q.text for q in seed_quotes if q.kind == "quoted"}
    for phrase in NOT_QUOTES:
        assert phrase not in texts


def test_nested_single_quotes_stay_inside(seed_quotes: list[Quotation]) -> None:
    (quote,) = [q for q in seed_quotes if q.speaker == "Zakaria Malahifji"]
    assert quote.text == "I asked the factions, they said ‘we will not surrender’"


def test_table_round_trip(seed_snapshot: Snapshot, seed_quotes: list[Quotation]) -> None:
    assert list(QuotationTable.from_records(seed_quotes)) == seed_quotes
    # built at index time and stored with the index
    assert list(seed_snapshot.quotes.table) == seed_quotes


def test_extract_article_numbers_paragraphs_within_the_article(
    seed_snapshot: Snapshot, seed_quotes: list[Quotation],
) -> None:
    index = seed_snapshot.index
    doc = index.docs[2]
    found = extract_article(index.paragraphs_of(doc))
    assert {q.document for q in found} == {0}
    assert [q.rebased(2) for q in found] == [q for q in seed_quotes if q.document == 2]


# ---------------------------------------------------------------------- synthetic articles
def make_index(*articles: tuple[str, ...]) -> ArchiveIndex:
    parsed = [
        ParsedFile(FileEntry(f"{i}.txt", f"{i}", 1, 1),
                   (Article(f"doc{i}", f"Title {i}", paras, f"{i}.txt", "2020-01-01"),))
        for i, paras in enumerate(articles)
    ]
    return build_index(parsed, Tokenizer(TokenizerSettings()), BM25Settings())


def quotes_of(*paragraphs: str) -> list[tuple[str, str | None, str]]:
    return [(q.text, q.speaker, q.kind) for q in extract_article(paragraphs)]


def test_dash_attribution_on_the_next_line_or_paragraph() -> None:
    """An em-dash line is the speaker's verbatim words: kind ``quoted``."""
    assert quotes_of("We will never accept this outcome at all.\n—Jane Doe, party leader") == [
        ("We will never accept this outcome at all.", "Jane Doe", "quoted")]
    assert quotes_of("We will never accept this outcome at all.", "—Jane Doe, party leader") == [
        ("We will never accept this outcome at all.", "Jane Doe", "quoted")]


def test_pronouns_and_surnames_resolve_to_the_named_person() -> None:
    got = quotes_of(
        "Foreign Minister Anna Berg met the envoy on Monday.",
        "“The talks will continue next week in Vienna,” she said.",
        "“We are not going anywhere at all,” Berg added. “We will stay as long as it takes.”",
        "“Nobody expects a quick result here,” the Interior Ministry said.",
    )
    assert got == [
        ("The talks will continue next week in Vienna", "Anna Berg", "quoted"),
        ("We are not going anywhere at all", "Anna Berg", "quoted"),
        ("We will stay as long as it takes.", "Anna Berg", "quoted"),
        ("Nobody expects a quick result here", "Interior Ministry", "quoted"),
    ]


def test_no_speaker_rather_than_a_guess() -> None:
    got = quotes_of("“This is a quotation nobody is credited with,” he said.",
                    "The report calls for “an independent inquiry into the events”.")
    assert got == [("This is a quotation nobody is credited with", None, "quoted"),
                   ("an independent inquiry into the events", None, "fragment")]


def test_short_quotes_only_when_a_whole_attributed_utterance() -> None:
    """A short quote is ``quoted`` only as a whole utterance directly attributed; a phrase
    its speaker uses to describe something is a ``fragment``; names are neither."""
    got = quotes_of("Minister Anna Berg called it a “disaster” and left.",
                    "“Never,” Anna Berg said.", "The so-called “Grand Plan” failed.",
                    "A report titled “Plans For The Future Of Syria” was released.")
    assert got == [("disaster", "Anna Berg", "fragment"), ("Never", "Anna Berg", "quoted")]


def test_straight_quotes_and_continued_paragraphs() -> None:
    got = quotes_of('"Russian jets will keep flying over the city," said John Smith, the '
                    'analyst. "They have no reason to stop.',
                    '"And nobody is asking them to stop either," he added.')
    assert got == [
        ("Russian jets will keep flying over the city", "John Smith", "quoted"),
        ("They have no reason to stop.", "John Smith", "quoted"),
        ("And nobody is asking them to stop either", "John Smith", "quoted"),
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
def test_lookup_finds_misremembered_quotations(seed_snapshot: Snapshot, words: str, doc_id: str,
                                               speaker: str, start: str) -> None:
    best = seed_snapshot.quotes.lookup(words, limit=3, min_match=60)[0]
    assert (best.doc_id, best.speaker) == (doc_id, speaker)
    assert best.quote.startswith(start)
    assert best.match >= 70
    doc = seed_snapshot.index.docs[seed_snapshot.index.doc_lookup[best.doc_id]]
    assert best.quote in seed_snapshot.index.paragraphs_of(doc)[best.paragraph - 1]


def test_lookup_ranks_and_cuts(seed_snapshot: Snapshot) -> None:
    book = seed_snapshot.quotes
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


def test_by_speaker(seed_snapshot: Snapshot) -> None:
    book = seed_snapshot.quotes
    lavrov = book.by_speaker("lavrov", limit=20)
    # "Sergey Lavrov" (more quoted) and "Sergei Lavrov" are one person across the archive
    assert {m.speaker for m in lavrov} == {LAVROV}
    assert {m.doc_id for m in lavrov} == {D001, D002, D004}
    assert book.variants(LAVROV) == ["Sergei Lavrov", LAVROV]
    assert book.by_speaker("LAVROV", 20) == lavrov
    assert {m.match for m in lavrov} == {95.0}  # a word of the name, not the name
    spelt = book.by_speaker("Sergei Lavrov", 20)  # a variant finds the person
    assert {m.speaker for m in spelt} == {LAVROV} and {m.match for m in spelt} == {100.0}
    assert {m.speaker for m in book.by_speaker("muallem", 20)} == {MUALLEM}
    assert {m.speaker for m in book.by_speaker("kerry", 20)} == {"John F. Kerry"}
    assert {m.speaker for m in book.by_speaker("lavrof", 20)} == {LAVROV}
    assert book.by_speaker("nobody", 20) == []
    assert len(book.by_speaker("khodr", 3)) == 3


def test_speakers_and_suggestions(seed_snapshot: Snapshot) -> None:
    book = seed_snapshot.quotes
    assert book.speakers()[:2] == [LAVROV, KHODR]  # the most quoted first
    assert len(book.speakers()) == len(set(book.speakers())) == 25
    assert "Sergei Lavrov" not in book.speakers()  # one entry per person
    assert book.suggest_speakers("zei") == [KHODR]
    assert book.suggest_speakers("lav")[:2] == [LAVROV, "Alexander Lavrentyev"]
    assert book.suggest_speakers("sergei") == [LAVROV]  # variants are searchable
    assert book.suggest_speakers("", limit=3) == book.speakers()[:3]
    assert book.suggest_speakers("jaaf") == ["Bashar al-Jaafari"]
    assert book.suggest_speakers("aafar") == ["Bashar al-Jaafari"]  # inside a word


def test_suggestions_inside_names_are_those_of_a_scan_of_every_name(
        seed_snapshot: Snapshot) -> None:
    """The names holding a fragment inside a word, most quoted first, as testing each
    folded name in turn finds them (the speaker index searches one text instead)."""
    book = seed_snapshot.quotes
    names = book.speakers()
    fragments = sorted({n[i:i + k].casefold() for n in names for k in (2, 3, 5)
                        for i in range(1, max(2, len(n) - k)) if n[i:i + k].isalpha()})
    assert len(fragments) > 100
    fragments += [f"{a[:2]} {b[:3]}" for a, b in (normalise_text(n).split()[:2] for n in names
                                                  if len(n.split()) > 1)]
    words = {s: [normalise_text(v).split() for v in book.variants(s)] for s in names}
    for fragment in fragments:
        # each word of the fragment starts a word of one of its spellings: first, most
        # quoted first
        prefixed = [s for s in names if all(any(w.startswith(part) for v in words[s]
                                                for w in v) for part in fragment.split())]
        for limit in (1, 3, 25):
            first = prefixed[:limit]
            scan = [s for s in names if fragment in normalise_text(s)
                    and s not in first][:limit - len(first)]
            assert book.suggest_speakers(fragment, limit=limit) == first + scan, fragment


def test_a_broad_speaker_query_matches_the_capped_best_speakers(
        seed_snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the cap, the speakers with the query's words whole come first, then the
    others, each most quoted first; under it, every speaker that matches."""
    book = seed_snapshot.quotes
    muallem, muslet, jaafari = MUALLEM, "Salem al-Muslet", "Bashar al-Jaafari"
    alloush, khlebnikov = "Mohammed Alloush", "Alexey Khlebnikov"
    assert book._matching("al") == [(muallem, 95.0), (muslet, 95.0), (jaafari, 95.0),
                                    (alloush, 90.0), (khlebnikov, 90.0),
                                    ("Alexander Lavrentyev", 90.0)]
    assert len(book._matching("a")) == 7
    monkeypatch.setattr(quotebook, "MATCHED_SPEAKERS", 4)
    assert book._matching("al") == [(muallem, 95.0), (muslet, 95.0), (jaafari, 95.0),
                                    (alloush, 90.0)]
    monkeypatch.setattr(quotebook, "MATCHED_SPEAKERS", 2)
    assert book._matching("al") == [(muallem, 95.0), (muslet, 95.0)]
    monkeypatch.setattr(quotebook, "MATCHED_SPEAKERS", 3)  # no name has the word "a"
    assert book._matching("a") == [(alloush, 90.0), (muallem, 90.0), (khlebnikov, 90.0)]
    assert {m.speaker for m in book.by_speaker("a", 50)} == {alloush, muallem, khlebnikov}


def test_match_is_100_only_for_verbatim_words(seed_snapshot: Snapshot) -> None:
    book = seed_snapshot.quotes
    (verbatim,) = book.lookup("We are immediately ready to send out military experts", 1)
    assert verbatim.match == 100.0
    (close,) = book.lookup("ready to send military experts", 1)  # a word left out
    assert close.quote == verbatim.quote and close.match < 100.0


def find(snapshot: Snapshot, text: str | None = None, speaker: str | None = None,
         limit: int | None = None, filters: Filters = Filters()) -> QuoteResult:
    return find_quotes(snapshot, QuoteRequest.parse(
        snapshot.settings, text, speaker, limit, filters.date_from, filters.date_to,
        filters.source))


def test_find_quotes_combines_text_speaker_and_filters(seed_snapshot: Snapshot) -> None:
    both = find(seed_snapshot, "ready to send military experts", speaker="lavrov")
    assert [m.speaker for m in both.matches][:1] == [LAVROV]
    assert all("Lavrov" in (m.speaker or "") for m in both.matches)
    none = find(seed_snapshot, "ready to send military experts", speaker="khodr")
    assert none.matches == ()
    dated = find(seed_snapshot, speaker="lavrov", limit=20,
                        filters=Filters(date_from="2016-06-01"))
    assert {m.speaker for m in dated.matches} == {LAVROV}
    assert {m.doc_id for m in dated.matches} == {D004}  # where it is spelt "Sergei"
    only_2019 = find(seed_snapshot, "the violence must end", filters=Filters(
        date_from="2019-01-01"))
    assert {m.doc_id for m in only_2019.matches} == {D003}
    assert len(find(seed_snapshot, speaker="khodr").matches) == (
        seed_snapshot.settings.answers.quote_limit)
    with pytest.raises(FiltersExcludeAllError):
        find(seed_snapshot, "anything", filters=Filters(date_to="1990-01-01"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "Give the words of a quotation"),
    ({"text": "  ", "speaker": " "}, "Give the words of a quotation"),
    ({"text": "x" * 301}, "quotation is 301 characters long"),
    ({"text": "peace", "limit": 0}, "limit must be between 1 and"),
    ({"speaker": "lavrov", "limit": 1000}, "limit must be between 1 and"),
])
def test_find_quotes_errors(seed_snapshot: Snapshot, kwargs: dict[str, object],
                            message: str) -> None:
    with pytest.raises(QueryError, match=message):
        QuoteRequest.parse(seed_snapshot.settings, **kwargs)  # type: ignore[arg-type]


def test_book_from_an_index_without_quotes() -> None:
    index = make_index(("“Something quite long was said here,” Jane Doe said.",))
    assert len(QuoteBook(EMPTY, index)) == 0
    book = QuoteBook(QuotationTable.from_records(extract_quotes(index)), index)
    (match,) = book.lookup("something long was said", 5, 60)
    assert (match.doc_id, match.paragraph, match.speaker) == ("doc0", 1, "Jane Doe")
