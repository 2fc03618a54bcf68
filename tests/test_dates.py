"""Date lines (bot/core/dates.py): every form news sites print normalises to its ISO date, an
impossible date is no date, and a sentence that merely contains a date is not a date line."""

from __future__ import annotations

import datetime as dt
import logging
import random

import pytest

from bot.core.dates import MONTHS, looks_like_date, normalize_date

FULL = {n: name for name, n in MONTHS.items() if len(name) > 4 or name in ("may", "june", "july")}
ABBREVIATED = {n: name for name, n in MONTHS.items() if len(name) <= 4 and name != "june"}
ORDINAL = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}


def forms(day: dt.date) -> list[str]:
    """Every accepted way of printing ``day``."""
    d, m, y = day.day, day.month, day.year
    month, abbr = FULL[m].capitalize(), ABBREVIATED.get(m, FULL[m][:3]).capitalize()
    weekday = day.strftime("%A")
    return [
        f"{y}-{m:02d}-{d:02d}", f"{y}-{m}-{d}", f"{y}/{m:02d}/{d:02d}", f"{y}.{m}.{d}",
        f"{y}-{m:02d}-{d:02d}T10:00:00Z", f"{y}-{m:02d}-{d:02d}T10:00:00.123+02:00",
        f"{y}-{m:02d}-{d:02d} 10:00",
        f"{month} {d}, {y}", f"{month} {d} {y}", f"{abbr}. {d}, {y}", f"{abbr} {d} {y}",
        f"{month.upper()} {d}, {y}", f"{month.lower()} {d}, {y}",
        f"{d} {month} {y}", f"{d:02d} {month}, {y}", f"{d} of {month} {y}",
        f"{d}{ORDINAL.get(d, 'th')} {month} {y}", f"{month} {d}{ORDINAL.get(d, 'th')}, {y}",
        f"{weekday}, {month} {d}, {y}", f"{weekday[:3]} {d} {month} {y}",
        f"{month} {d}, {y} at 3:58 pm", f"{month} {d}, {y}, 10:00 GMT",
        f"{month} {d}, {y} - 14.30", f"{month} {d}, {y} | 3:58 p.m. EST",
        f"{d} {month} {y} 14:30 UTC",
        f"Published: {month} {d}, {y}", f"Updated on: {d} {month} {y}",
        f"Last updated: {weekday} {d} {month} {y}", f"Posted {y}-{m:02d}-{d:02d}",
        f"  {month}   {d},\t{y}  ",
    ]


def test_every_accepted_form_of_every_day_of_a_leap_year() -> None:
    day = dt.date(2016, 1, 1)
    while day.year == 2016:
        for text in forms(day):
            assert normalize_date(text) == day.isoformat(), text
            assert looks_like_date(text), text
        day += dt.timedelta(days=1)


def test_every_month_name_and_abbreviation() -> None:
    for name, month in MONTHS.items():
        for text in (f"{name} 5, 2017", f"{name.title()}. 5, 2017", f"5 {name.upper()} 2017"):
            assert normalize_date(text) == f"2017-{month:02d}-05", text


@pytest.mark.parametrize(
    "text",
    ["February 29, 2019", "29 Feb 2100", "2019-02-30", "2019-13-01", "2019-00-10",
     "2019-05-00", "31 April 2019", "April 31, 2019", "0 May 2019", "32 May 2019",
     "June 31, 2020", "2019/11/31", "Sept. 31, 2017"],
)
def test_impossible_dates_are_rejected(text: str) -> None:
    assert normalize_date(text) is None
    assert not looks_like_date(text)


def test_leap_days_only_in_leap_years() -> None:
    for year in range(1896, 2105):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        expected = f"{year}-02-29" if leap else None
        assert normalize_date(f"February 29, {year}") == expected
        assert normalize_date(f"{year}-02-29") == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "garbage", "May 2019", "2019", "It happened on May 3, 2019.",
     "May 3, 2019 was the day", "Blah May 3, 2019", "On 2018-05-16 the talks began",
     "x" * 90, "May 3, 2019 " + "x" * 80],
)
def test_text_that_is_not_a_date_line(text: str) -> None:
    assert normalize_date(text) is None
    assert not looks_like_date(text)


@pytest.mark.parametrize(
    "text", ["April 18", "18 April", "18th of April", "Monday, April 18", "April 18 at 3:00 pm"]
)
def test_a_day_without_a_year_looks_like_a_date_but_has_none(text: str) -> None:
    assert normalize_date(text) is None
    assert looks_like_date(text)


def test_random_dates_round_trip() -> None:
    rng = random.Random(3)
    start = dt.date(1900, 1, 1).toordinal()
    for _ in range(500):
        day = dt.date.fromordinal(start + rng.randrange(200 * 366))
        text = rng.choice(forms(day))
        assert normalize_date(text) == day.isoformat(), text


@pytest.mark.parametrize(("text", "day_first", "expected"), [
    ("16/05/2018", True, "2018-05-16"),
    ("16.05.2018 10:00", True, "2018-05-16"),
    ("05/16/2018", False, "2018-05-16"),
    ("03/04/2018", True, "2018-04-03"),
    ("03/04/2018", False, "2018-03-04"),
    ("05/16/2018", True, None),  # month 16: not a date when the day comes first
])
def test_numeric_dates_with_a_configurable_day_first(
    text: str, day_first: bool, expected: str | None
) -> None:
    assert normalize_date(text, day_first=day_first) == expected


def test_impossible_dates_are_rejected_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.core.dates"):
        assert normalize_date("2019-02-30") is None
        assert normalize_date("31/02/2020") is None
    assert [r.getMessage() for r in caplog.records] == [
        "'2019-02-30' is not a real date (no such day); left undated",
        "'31/02/2020' is not a real date (no such day); left undated"]
