"""The stats chart is a real PNG whose bars follow the data."""

from __future__ import annotations

import struct
import zlib
from datetime import date, timedelta

from bot.app.charts import queries_per_day_png


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_is_a_png_of_the_expected_size() -> None:
    days = [(date(2026, 11, 1) + timedelta(days=i), i % 4) for i in range(14)]
    data = queries_per_day_png(days)
    assert png_size(data) == (800, 300)
    assert len(data) < 200_000


def test_chart_changes_with_data_and_handles_empty() -> None:
    a = queries_per_day_png([(date(2026, 11, 1), 1), (date(2026, 11, 2), 9)])
    b = queries_per_day_png([(date(2026, 11, 1), 9), (date(2026, 11, 2), 1)])
    assert a != b
    empty = queries_per_day_png([])
    assert png_size(empty) == (800, 300)
    # The first image chunk decompresses: not a truncated file.
    at = empty.index(b"IDAT")
    (length,) = struct.unpack(">I", empty[at - 4:at])
    assert zlib.decompressobj().decompress(empty[at + 4:at + 4 + length])
