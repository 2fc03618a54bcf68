"""Common English opposites, for the abstention check "the answer says the opposite".

A question that swaps one word of the text for its opposite ("What is one of the *least*
common causes ...?" over "one of the *most* common causes"; "Up until 1990, Saudi Arabia
played an *unimportant* role ...") is answered by a sentence that covers it word for word
but one. :func:`opposed` finds that word: the question writes it, the answer does not, and
the answer writes one of its opposites. The pairs are general English (comparison, order,
direction, quantity, change, polarity), lower case, as written (no stemming: "larger" and
"largest" are separate pairs).
"""

from __future__ import annotations

import re
from functools import cache

_PAIRS = """
first second, first last, first third, second third, last next, before after,
earlier later, earliest latest, early late, prior after, previous next, former latter,
begin end, began ended, start end, started ended, beginning end, open closed, opened closed,
large small, larger smaller, largest smallest, big small, bigger smaller, biggest smallest,
great small, greater lesser, high low, higher lower, highest lowest, long short,
longer shorter, longest shortest, tall short, wide narrow, deep shallow, heavy light,
fast slow, faster slower, fastest slowest, hot cold, warm cool, wet dry, light dark,
full empty, thick thin, strong weak, stronger weaker, strongest weakest,
many few, more less, more fewer, most least, most fewest, much little, all none,
always never, increase decrease, increased decreased, increases decreases,
increasing decreasing, rise fall, rose fell, gain loss, gained lost, add remove,
added removed, win lose, won lost, victory defeat, accept reject, accepted rejected,
include exclude, included excluded, allow forbid, allowed forbidden, allowed banned,
support oppose, supported opposed, agree disagree, agreed disagreed, buy sell,
bought sold, import export, imports exports, send receive, sent received, give take,
gave took, push pull, attack defend, friend enemy, ally enemy, allies enemies, war peace,
birth death, born died, live die, lived died, alive dead, male female, men women,
man woman, boy girl, father mother, son daughter, king queen, husband wife,
new old, newer older, newest oldest, old young, older younger, oldest youngest,
ancient modern, north south, east west, northern southern, eastern western,
northeast southwest, northwest southeast, upper lower, top bottom, above below,
over under, inside outside, inner outer, internal external, interior exterior,
left right, front back, forward backward, up down, entry exit, public private,
positive negative, maximum minimum, major minor, majority minority, important unimportant,
common rare, common uncommon, usual unusual, best worst, better worse, good bad, rich poor,
richer poorer, richest poorest, wealthy poor, cheap expensive, easy difficult,
easy hard, simple complex, legal illegal, possible impossible, likely unlikely,
able unable, known unknown, successful unsuccessful, success failure, true false,
same different, similar different, direct indirect, formal informal,
official unofficial, native foreign, domestic foreign, national international,
local national, urban rural, civil military, civilian military, natural artificial,
active passive, active inactive, visible invisible, dependent independent,
present absent, inclusive exclusive, include omit, increase reduce, increased reduced,
raise lower, raised lowered, ascending descending, inbound outbound,
""".replace("\n", " ")


@cache
def opposites() -> dict[str, frozenset[str]]:
    """Each word of a pair and its opposites (both ways)."""
    out: dict[str, set[str]] = {}
    for pair in _PAIRS.split(","):
        words = pair.split()
        if len(words) == 2:
            a, b = words
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
    return {w: frozenset(v) for w, v in out.items()}


_WORD = re.compile(r"[\w'-]+")


def opposed(question: str, answer: str) -> bool:
    """Whether ``answer`` writes the opposite of a word of ``question`` that it does not
    write itself ("least" asked, "most" answered)."""
    table = opposites()
    have = {w.casefold() for w in _WORD.findall(answer)}
    return any(w not in have and not table.get(w, frozenset()).isdisjoint(have)
               for w in (x.casefold() for x in _WORD.findall(question)))
