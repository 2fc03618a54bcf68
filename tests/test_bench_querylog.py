"""`python -m bench querylog` runs end to end on a few rows (figures are the bench's, not
asserted here): both backends measured, every row written."""

from __future__ import annotations

import pytest

from bench.querylog import main


def test_the_querylog_bench_runs_on_both_backends(pg_url: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rows", "300", "--url", pg_url]) == 0
    out = capsys.readouterr().out
    assert "| | SQLite (file, WAL) | PostgreSQL (asyncpg) |" in out
    assert "| rows written | 300 of 300 | 300 of 300 |" in out
    assert "logs view stats (7 days), ms" in out
