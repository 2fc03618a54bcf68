"""The words quotation extraction reads: speech verbs, titles, organisation words, dates.

Rules and small word lists only (no model): what introduces speech (``said``, ``told``,
``according to``, ``in a statement``, a colon), what names a role rather than a person
(``spokesperson``, ``Chancellor``, ``general manager``), what makes a capitalised name an
organisation (``Foundation``, ``Service``, a ``the`` before it) and what is never a speaker
(``Tuesday``, ``March``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.compiled import or_reference

# Speech verbs, every form an attribution uses ("said", "says", "saying"...).
SPEECH = (
    "said|says|saying|told|tells|telling|added|adds|adding|stated|states|stating|warned"
    "|warns|warning|argued|argues|arguing|explained|explains|explaining|wrote|writes"
    "|writing|tweeted|tweets|posted|noted|notes|noting|insisted|insists|insisting"
    "|announced|announces|claimed|claims|asked|asks|replied|replies|continued"
    "|declared|declares|stressed|stresses|admitted|admits|commented|remarked|concluded"
    "|confirmed|confirms|acknowledged|suggested|suggests|conceded|recalled|recalls"
    "|urged|urges|vowed|vows|promised|promises|predicted|maintained|maintains"
    "|emphasised|emphasized|cautioned|countered|responded|joked|accused|accusing"
)


def trie(words: str) -> str:
    """A regular expression matching any of the ``|``-separated words, written as a trie
    (``sa(?:id|ys|ying)``): much faster to search for than the plain alternation."""
    tree: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in sorted(set(words.split("|"))):
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:  # type: ignore[type-arg]
        ends = "" in node
        parts = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not parts:
            return ""
        body = parts[0] if len(parts) == 1 and not ends else "(?:" + "|".join(parts) + ")"
        return body + ("?" if ends and len(parts) == 1 and len(parts[0]) == 1 else "") if (
            not ends or (len(parts) == 1 and len(parts[0]) == 1)) else f"(?:{'|'.join(parts)})?"

    return emit(tree)


SPEECH_VERB = re.compile(rf"\b{trie(SPEECH)}\b")
# Verbs that report a statement (a clause follows them): a subset read for reported speech.
REPORTING = (
    "said|says|told|tells|added|adds|stated|states|warned|warns|argued|argues|explained"
    "|explains|wrote|writes|noted|notes|insisted|insists|insisting|announced|announces"
    "|claimed|claims|confirmed|confirms|acknowledged|suggested|suggests|conceded|stressed"
    "|admitted|admits|maintained|maintains|predicted|promised|saying|warning|arguing"
)
# A paragraph holding none of these holds no reported statement.
REPORTED_CUE = re.compile(rf"\b(?:{trie(REPORTING)}|[Aa]ccording to)\b")
@dataclass(frozen=True, slots=True)
class Cue:
    """A reporting verb (or "according to") found in a text, as a match would give it."""

    at: int
    word: str

    def start(self) -> int:
        return self.at

    def end(self) -> int:
        return self.at + len(self.word)

    def group(self) -> str:
        return self.word


_TRAILERS = ("", ".", ",", ";", ":", "!", "?", "\"", "”", "’", "'", ")", ".”", ",”", ".\"")
# Each verb as a whitespace-separated token may end (punctuation after it), to its verb.
_TOKENS = {word + end: word for word in REPORTING.split("|") for end in _TRAILERS}
_TOKEN_SET = frozenset(_TOKENS)


def _pair_table(words: frozenset[str]) -> bytes:
    table = bytearray(128 * 128)
    for word in words:
        first, second = ord(word[0]), ord(word[1])
        if first > 127 or second > 127:
            raise ValueError(f"the C scan reads ASCII pairs only: {word!r}")
        table[first * 128 + second] = 1
    return bytes(table)


# What the C scan needs to skip most words unread: the verbs' first two characters (a
# 128 x 128 table) and their lengths.
_PAIRS = _pair_table(_TOKEN_SET)
_SHORTEST, _LONGEST = min(map(len, _TOKEN_SET)), max(map(len, _TOKEN_SET))


def _tokens_in_reference(text: str, wanted: frozenset[str], pairs: bytes, shortest: int,
                         longest: int) -> list[str]:
    return list(wanted.intersection(text.split()))


_TOKENS_IN = or_reference("tokens_in", _tokens_in_reference)  # the C scan when built


def find_cues(text: str, *, compiled: bool = True) -> list[Cue]:
    """Every :data:`REPORTED_CUE` of ``text``, in order. The verbs are looked up among the
    text's tokens first (a set test; a C scan when built, ``compiled=False`` never), then
    located with ``str.find``: many times faster than the regular expression, which tries
    every position."""
    tokens_in = _TOKENS_IN if compiled else _tokens_in_reference
    tokens = {_TOKENS[t] for t in tokens_in(text, _TOKEN_SET, _PAIRS, _SHORTEST, _LONGEST)}
    if "ccording to" in text:
        tokens.update(w for w in ("according to", "According to") if w in text)
    if not tokens:
        return []
    found: list[Cue] = []
    for word in sorted(tokens):
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or not text[at - 1].isalnum()) and (
                    end == len(text) or not text[end].isalnum()):
                found.append(Cue(at, word))
            at = text.find(word, end)
    found.sort(key=lambda c: c.at)
    return found


# Words that describe a quoted phrase: "called the cuts “devastating”".
DESCRIBING = re.compile(
    rf"\b(?:{SPEECH}|called|calling|calls|described|describing|describes|branded|termed"
    r"|labelled|labeled|dismissed|hailed)\b")
# A quotation introduced by these is a name, a title or a definition, not speech.
NAMING = re.compile(
    r"(?:\b(?:titled|entitled|called|named|dubbed|nicknamed|known\s+(?:to\s+[\w\s]+?\s+)?as"
    r"|so-called|word|words|term|phrase|slogan|motto|means|meaning|defines?\s+(?:it\s+)?as"
    r"|defined\s+as|translates\s+as|hashtag|film|song|album|novel|book|play|opera|show"
    r"|series|production\s+of|headline|banner)|\bthe\s+(?:film|book|song|play))\s*[,:]?\s*$",
    re.I)
# The words a NAMING match ends with (the last word of each alternative).
_NAMING_ENDS = ("titled", "called", "named", "dubbed", "as", "word", "words", "term", "phrase",
                "slogan", "motto", "means", "meaning", "hashtag", "film", "song", "album",
                "novel", "book", "play", "opera", "show", "series", "of", "headline", "banner")


def naming_before(text: str, start: int, end: int) -> bool:
    """Whether :data:`NAMING` matches ``text[start:end]`` (``titled “…”``: a name, not
    speech). An ASCII window whose last word ends with none of its words cannot match: that
    string test answers most windows before the search is tried."""
    window = text[start:end]
    if window.isascii():
        tail = window.rstrip()
        if tail[-1:] in (",", ":"):
            tail = tail[:-1].rstrip()
        if not tail.lower().endswith(_NAMING_ENDS):
            return False
    return NAMING.search(text, start, end) is not None


# What may stand between a speech verb and its clause: "said on Wednesday that".
_WHEN = (r"(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
         r"(?:\s+(?:morning|afternoon|evening|night))?|today|yesterday|earlier|later|also"
         r"|last\s+\w+|this\s+\w+|in\s+(?:an?|the|his|her|their)\s+[\w\s-]{1,30}?"
         r"(?=\s+that\b)|in\s+a\s+statement|in\s+an\s+(?:email|interview)|publicly|again"
         r"|repeatedly|previously|recently|now|then")
WHEN = re.compile(rf"(?:\s*,?\s*(?:{_WHEN}))*")
# The end of an attribution after the speaker: "in an email", "on Saturday".
PREPOSITIONS = frozenset(
    "at in on during after before outside from with to for by while when as of into "
    "about over near via through".split())
PRONOUNS = {"he": "person", "she": "person", "they": "they", "him": "person", "her": "person",
            "his": "person", "their": "they", "i": "none", "we": "none", "it": "org"}
WEEKDAYS = ("monday tuesday wednesday thursday friday saturday sunday")
MONTHS = ("january february march april may june july august september october november "
          "december")
# Capitalised words that are never a speaker on their own.
NOT_SPEAKERS = frozenset(
    (WEEKDAYS + " " + MONTHS + " today yesterday tomorrow asked speaking meanwhile however "
     "earlier later separately instead still but and the a an this that these those it "
     "there here its we i you our my your one some many more most about nearly almost only "
     "over under several through to of in on at for with from by as if when while after "
     "before because although though since until unless whether what which who whose "
     "where why how all both each every no not yes so then thus also even just").split())
# Role words: stripped from the front of a person's name ("Chancellor Margaret Ellery").
TITLES = frozenset(
    """mr mr. mrs mrs. ms ms. dr dr. prof prof. sir dame lord lady sgt sgt. cpl cpl. lt lt.
    capt capt. col col. gen gen. maj maj. rev rev. fr fr. father sister brother sen sen.
    rep rep. gov gov. insp insp. det det. const const. cst cst. supt supt. president
    chancellor minister secretary premier mayor governor senator councillor councilor
    chair chairman chairwoman chairperson captain coach manager director chief officer
    spokesperson spokesman spokeswoman head deputy acting interim former shadow judge
    justice prosecutor inspector sergeant constable detective superintendent commissioner
    professor doctor bishop archbishop pope king queen prince princess sheikh ambassador
    envoy general admiral commander foreign defence defense interior health finance
    education justice environment transport trade prime vice executive senior junior
    principal regional national federal provincial state city county district police
    fire union party team club league board trustee editor reporter correspondent analyst
    researcher economist lawyer attorney incumbent candidate leader founder owner
    superintendent midfielder defender striker goalkeeper forward winger defenceman
    rookie veteran skipper""".split())
# Occupations stripped from the front of a name like titles ("Historian Owen Tarrant").
OCCUPATIONS = frozenset(
    """historian author writer artist singer actor producer critic scientist researcher
    palaeontologist paleontologist archaeologist architect engineer physician surgeon nurse
    paramedic teacher farmer activist organiser organizer campaigner businessman businesswoman
    politician diplomat negotiator economist analyst lawyer barrister solicitor pastor
    priest rabbi imam chef curator librarian journalist photographer filmmaker novelist
    poet composer musician designer entrepreneur developer biologist chemist physicist
    psychologist psychiatrist sociologist epidemiologist virologist geologist meteorologist
    climatologist spokesperson
    vice-president vice-chair co-chair co-founder councilwoman councilman alderman
    alderwoman trustee tenant resident homeowner landlord volunteer student parent
    shopkeeper commuter voter fisherman fisher rancher miner baker butcher grocer carpenter
    plumber electrician mechanic firefighter cleaner porter caretaker midwife pharmacist
    dentist vet veterinarian accountant banker broker publican brewer winemaker gardener
    beekeeper shepherd warden ranger skipper fisherwoman""".split())
# Nationality words before a title ("Austrian Foreign Minister"): ending so, before a title.
NATIONALITY = re.compile(r"^[A-Z][a-z]+(?:an|ian|ish|ese|ic|i|ch)$")
# Words that make a capitalised name an organisation (or a place, or a thing).
ORG_WORDS = frozenset(
    """department ministry council committee army front nations observatory times press
    agency watch centre center group government forces league union convention office
    organisation organization institute news network party brigade movement coalition bank
    fund commission court house assembly parliament congress senate republic kingdom
    association society university college foundation mission cross crescent board state
    states monitor post journal tribune herald daily weekly magazine television radio tv
    airways airlines company corporation corp inc ltd llc plc club academy school hospital
    airport street road avenue boulevard square bridge province city county district region
    valley mountains river lake sea ocean gulf park service services authority agency
    software energy foods industries systems media software trust federation diocese
    church parish police fire rescue clinic museum library theatre theater cinema opera
    commons senate bureau secretariat cabinet tribunal fc united rovers city rockets
    cougars canucks flames oilers leafs slam cup championship open games olympics
    festival website online app policy observatory rights watch properties holdings
    partners developments ventures capital solutions technologies logistics construction
    realty estates guild town athletic wanderers albion mining ferries transit utilities
    shipping railways motors pharmaceuticals telecom insurance brewery""".split())
# Countries (and the like) ending a name make it an organisation: "Citizenship Canada".
COUNTRIES = frozenset(
    """canada kenya china india france germany russia britain england wales scotland ireland
    america australia japan brazil spain italy mexico nigeria egypt syria iran iraq turkey
    israel ukraine poland sweden norway denmark finland austria portugal greece europe
    africa asia uk us usa international worldwide global""".split())
# A name starting so is a place or a body ("New York", "Eastern Ghouta", "Port Harlow").
PLACE_FIRST = frozenset(
    """eastern western northern southern central middle new human free red islamic united arab
    upper lower greater north south east west saint mount lake port fort cape""".split())
# First names that are also places, so a name starting with one may be a person's.
FIRST_NAMES = frozenset("jordan georgia chad india israel sydney paris victoria florence "
                        "austin dallas".split())
# A common noun naming an organisation: "the company said" refers to the last one named.
ORG_NOUNS = frozenset(
    """company firm council diocese ministry department government union club board agency
    service authority party team group organisation organization federation church police
    commission committee bank charity trust league hospital university school city
    province state court airline campaign foundation institute museum network
    agency ministry embassy opposition regime army military coalition alliance""".split())
# Nouns describing a person ("the young Quebecer" aside): "the rookie defenceman said".
PERSON_NOUNS = frozenset(
    """man woman boy girl father mother wife husband son daughter resident player official
    worker nurse paramedic teacher farmer driver victim witness activist organiser organizer
    businessman businesswoman politician diplomat negotiator envoy spokesman spokeswoman
    minister quebecer youngster teenager veteran rookie star champion winner loser opponent
    chef author writer artist singer actor director producer critic historian scientist
    palaeontologist doctor surgeon lawyer judge officer soldier pilot captain coach manager
    midfielder defender striker goalkeeper forward defenceman defenseman winger pitcher
    president premier mayor chancellor senator governor secretary leader founder owner
    chairman chairwoman chair agent source insider analyst expert economist""".split())
# "who uses they/them pronouns": "they" may then refer to that person.
THEY_PERSON = re.compile(r"\bthey/them\b|\(they\)|\bnon-?binary\b", re.I)
ALIAS = re.compile(r"\b(?:known\s+as|nicknamed|better\s+known\s+as)\s+[\"“‘']?"
                   r"(?P<alias>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)")


def is_title(word: str) -> bool:
    return word.casefold() in TITLES


def never_speaker(word: str) -> bool:
    return word.casefold().rstrip(".") in NOT_SPEAKERS


_ROLE_JOINS = frozenset("of the for and vice co".split())


def role_word(word: str) -> bool:
    """A lower-case word of a role before a name: ``association``, ``president``, ``of``."""
    folded = word.casefold().strip(",’'")
    return (folded in TITLES or folded in PERSON_NOUNS or folded in ORG_NOUNS
            or folded in ORG_WORDS or folded in _ROLE_JOINS or folded in OCCUPATIONS)
