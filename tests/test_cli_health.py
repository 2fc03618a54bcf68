"""`archive-bot health` (the container healthcheck) follows the configured query-log folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.cli import main


def test_health_reads_the_heartbeat_where_the_config_puts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "elsewhere"
    config = tmp_path / "config.yaml"
    config.write_text(f"querylog:\n  path: {data / 'log.sqlite3'}\n")
    assert main(["health", "--config", str(config)]) == 1
    assert "no heartbeat" in capsys.readouterr().out
    data.mkdir()
    beat = data / "heartbeat"
    beat.write_text("now\n")
    assert main(["health", "--config", str(config)]) == 0
    stale = time.time() - 600
    os.utime(beat, (stale, stale))
    assert main(["health", "--config", str(config)]) == 1
    assert "unhealthy: last heartbeat" in capsys.readouterr().out
    assert main(["health", "--config", str(config), "--max-age", "3600"]) == 0
