"""How quotations are shown: only verbatim words between quotation marks (CLI, Discord), the
match percentage (100 only for the exact words) and one entry per person across spellings."""

from __future__ import annotations

import json

from bot.app import render
from bot.cli.answers import _quote_line, quote_json
from bot.core.answers import QuoteMatch, QuoteResult
from bot.core.answers.matching import exact, shown_match
from bot.core.answers.variants import merge_speakers

REPORTED = QuoteMatch("the talks would resume in March", "Dmitri Volkov", "d1", "Talks", "Wire",
                      "2024-01-02", 3, 88.0, "reported", "Dmitry Volkov")
FRAGMENT = QuoteMatch("deeply concerned", "Samuel Otieno", "d2", "Floods", "Wire", None, 5, 91.0,
                      "fragment")
QUOTED = QuoteMatch("We will not back down", None, "d3", "Strike", None, None, 1, 100.0)


def test_cli_never_puts_reported_speech_between_quotation_marks() -> None:
    line = _quote_line(1, REPORTED)
    assert line == ("[1] (reported, not verbatim) Dmitri Volkov said that the talks would "
                    "resume in March")
    assert "“" not in line and "”" not in line
    assert _quote_line(2, FRAGMENT) == ("[2] “deeply concerned” — Samuel Otieno (a phrase "
                                        "quoted in reported speech)")
    assert _quote_line(3, QUOTED) == "[3] “We will not back down” — speaker not named"


def test_json_names_the_kind_and_both_spellings() -> None:
    data = json.loads(json.dumps(quote_json(QuoteResult("talks", None, (REPORTED, QUOTED)))))
    first, second = data["results"]
    assert first["kind"] == "reported" and second["kind"] == "quoted"
    assert first["speaker"] == "Dmitri Volkov" and first["speaker_as_written"] == "Dmitry Volkov"


def test_discord_never_puts_reported_speech_between_quotation_marks() -> None:
    (page,) = render.quote_pages([REPORTED, FRAGMENT, QUOTED], query="talks")
    text = page.description or ""
    blocks = text.split("\n")
    reported = next(b for b in blocks if "said that" in b)
    assert "“" not in reported and "”" not in reported
    assert "reported, not verbatim" in text
    assert "> “deeply concerned”" in text and "phrase quoted in reported speech" in text
    assert "> “We will not back down”" in text


def test_match_is_100_only_for_the_exact_words() -> None:
    quote = "We are immediately ready to send out military experts"
    assert exact("we are immediately ready to send out military experts.", quote)
    assert exact("“ready to send out”", quote)  # a verbatim stretch, whole words
    assert not exact("ready to send military experts", quote)  # a word left out
    assert not exact("mmediately ready", quote)  # not whole words
    assert shown_match(100.0, "ready to send military experts", quote) == 99.0
    assert shown_match(100.0, "ready to send out", quote) == 100.0
    assert shown_match(87.5, "anything", quote) == 87.5


def test_name_variants_merge_conservatively() -> None:
    merged = merge_speakers({"Sergey Lavrov": 5, "Sergei Lavrov": 2, "John Smith": 3,
                             "Joan Smith": 4, "J. Smith": 1, "Lavrov": 1, "Anna Berg": 1})
    assert merged["Sergei Lavrov"] == merged["Sergey Lavrov"] == "Sergey Lavrov"
    assert merged["John Smith"] == "John Smith" and merged["Joan Smith"] == "Joan Smith"
    assert merged["Lavrov"] == "Lavrov" and merged["Anna Berg"] == "Anna Berg"
    # an initial goes with one of them, never both: the first group it is close to
    assert merged["J. Smith"] in ("John Smith", "Joan Smith")
    assert merge_speakers(["Dmitri Volkov", "Dmitry Volkov", "Dmitry Volkov"]) == {
        "Dmitri Volkov": "Dmitry Volkov", "Dmitry Volkov": "Dmitry Volkov"}


def _merged_by_comparing_every_group(counts: dict[str, int]) -> dict[str, str]:
    """The rule of merge_speakers written plainly: a name joins the first group of its
    surname and length all of whose first names are close to its own."""
    from bot.core.answers.variants import _close

    groups: dict[tuple[str, int], list[list[str]]] = {}
    for name in sorted(counts):
        words = name.split()
        if len(words) < 2:
            continue
        key = (words[-1].casefold(), len(words))
        for group in groups.setdefault(key, []):
            if all(_close(words[0], other.split()[0]) for other in group):
                group.append(name)
                break
        else:
            groups[key].append([name])
    out = {n: n for n in counts}
    for key in sorted(groups):
        for group in groups[key]:
            best = sorted(group, key=lambda n: (-counts[n], -len(n), n))[0]
            out.update(dict.fromkeys(group, best))
    return out


def test_a_surname_with_many_spellings_merges_as_comparing_every_group_would() -> None:
    import random

    rng = random.Random(7)
    stems = ["Sergei", "Serge", "Sergo", "Sarge", "Dmitri", "Dmitry", "Simon", "Simone", "S.",
             "Sam", "Samuel", "Samuil", "Sxrgei", "ergei", "SERGEI", "Ana", "Anna", "."]
    for _ in range(300):  # near spellings in any order: many groups to one surname
        firsts = [rng.choice(stems) for _ in range(10)] + [
            "S" + "".join(rng.choice("aei") for _ in range(rng.randint(3, 6))) for _ in range(60)]
        names = {f"{rng.choice(firsts)} {rng.choice(['', 'van '])}"
                 f"{rng.choice(['Lavrov', 'Smith'])}": rng.randint(1, 4)
                 for _ in range(rng.randint(1, 120))}
        assert merge_speakers(names) == _merged_by_comparing_every_group(names)


def test_close_first_names_are_found_through_their_keys_as_comparing_all_would() -> None:
    import random

    from bot.core.answers.variants import _close, _first, _neighbours

    rng = random.Random(11)
    firsts = {_first([w]) for w in ["Sergei", "Sergey", "Serge", "S.", "S", "Sxrgei", "ergei",
                                    ".", "Anna", "Ana", "Dmitri", "Dmitry", "Dmitrii"]}
    firsts |= {"s" + "".join(rng.choice("aeiou") for _ in range(rng.randint(3, 6)))
               for _ in range(300)}
    found = _neighbours(firsts)
    for f in firsts:  # an initial's own entry is itself: the bucket checks it directly
        assert found[f] == (frozenset({f}) if len(f) == 1 else
                            frozenset(g for g in firsts if _close(f, g))), f
    assert found["sergei"] == {"sergei", "sergey", "sxrgei", "serge", "s"}
