"""bot/core/quotations.py: quotation records survive the struct-of-arrays round trip."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bot.core.quotations import Quotation, QuotationTable, QuotationTableError

ROWS = [
    Quotation("Nobody doubts it", "Sergei Lavrov", "quoted", 0, 2, 10, 26, 0, 40),
    Quotation("the talks would resume", "Staffan de Mistura", "reported", 0, 3, 5, 27, 0, 50),
    Quotation("delusional", None, "fragment", 3, 0, 0, 11, 0, 30),
    Quotation("عدم الاستقرار", "Sergei Lavrov", "quoted", 4, 1, 2, 15, 0, 20),
]


def test_records_round_trip_through_plain_arrays(tmp_path) -> None:
    table = QuotationTable.from_records(ROWS)
    for name, column in table.arrays().items():
        assert column.dtype != object and column.ndim == 1, name
        np.save(tmp_path / f"{name}.npy", column)
    loaded = QuotationTable.from_arrays(
        {name: np.load(tmp_path / f"{name}.npy", mmap_mode="r") for name in table.arrays()})
    assert list(loaded) == ROWS
    assert loaded.speakers() == ["Sergei Lavrov", "Staffan de Mistura"]


def test_rows_of_some_documents_rebased() -> None:
    table = QuotationTable.from_records(ROWS)
    again = [q.rebased(q.document + 10) for q in table.of_documents([0, 4])]
    assert [q.document for q in again] == [10, 10, 14]
    assert again[0].text == "Nobody doubts it"


def test_inconsistent_arrays_are_refused() -> None:
    arrays = QuotationTable.from_records(ROWS).arrays()
    with pytest.raises(QuotationTableError):
        QuotationTable.from_arrays({**arrays, "kind": np.array([0, 1, 9, 0], dtype=np.int8)})
    with pytest.raises(QuotationTableError):
        QuotationTable.from_arrays({k: v for k, v in arrays.items() if k != "speaker"})
    with pytest.raises(QuotationTableError):
        QuotationTable.from_arrays({**arrays, "paragraph": arrays["paragraph"][:2]})


@pytest.mark.parametrize("cut", [[], [0], [1, 3], [0, 0, 2, 4]])
def test_concatenated_tables_are_the_table_of_all_their_records(cut: list[int]) -> None:
    bounds = [0, *cut, len(ROWS)]
    tables = [QuotationTable.from_records(ROWS[a:b]) for a, b in itertools.pairwise(bounds)]
    joined, whole = QuotationTable.concat(tables).arrays(), QuotationTable.from_records(ROWS)
    for name, column in whole.arrays().items():
        assert joined[name].dtype == column.dtype, name
        np.testing.assert_array_equal(joined[name], column, err_msg=name)
    assert len(QuotationTable.concat([])) == 0


@pytest.mark.parametrize("offset", [0, 7])
def test_a_shifted_table_is_the_table_of_its_records_shifted(offset: int) -> None:
    shifted = QuotationTable.from_records(ROWS).shifted(offset).arrays()
    for name, column in QuotationTable.from_records(ROWS, offset).arrays().items():
        assert shifted[name].dtype == column.dtype, name
        np.testing.assert_array_equal(shifted[name], column, err_msg=name)
