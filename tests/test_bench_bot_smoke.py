"""The bot benchmark (``python -m bench.bot``) at tiny scale, so its machinery cannot rot.

The real bot process on the bundled seeds, the local Discord with request validation on:
20 /search per second for 1 s, one short ramp step and a full reindex with probes. Checks
the result's shape and that every interaction sent got its initial response; the numbers
themselves are not asserted (this is not a performance test).
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.bot import Options, markdown, prepare, run_benchmark

TOP_KEYS = {"paragraphs", "rate", "sent", "responses", "p50_ms", "p95_ms", "p99_ms", "max_ms",
            "missed_deadlines", "ramp", "reindex"}
REINDEX_KEYS = {"seconds", "lag_max_ms", "search_p99_during_ms", "heartbeat_max_gap_ms"}
STEP_KEYS = {"rate", "sent", "responses", "p50_ms", "p95_ms", "p99_ms", "max_ms",
             "missed_deadlines"}


async def test_bot_benchmark_smoke(tmp_path: Path) -> None:
    prepared = prepare(tmp_path / "bench")  # the seeds; index built into tmp_path
    assert prepared.paragraphs > 0 and prepared.queries
    opts = Options(rate=20, seconds=1.0, ramp=(20.0,), ramp_seconds=0.5, probe_ms=50,
                   heartbeat_ms=100, baseline_seconds=0.3, after_seconds=0.2,
                   validate=True, settle=False, warmup=0, drain_timeout=30,
                   startup_timeout=30, reindex_timeout=30)

    result = await run_benchmark(prepared, opts)

    json.loads(json.dumps(result))  # JSON-able as printed by --json
    assert result.keys() >= TOP_KEYS
    assert result["paragraphs"] == prepared.paragraphs and result["rate"] == 20
    assert result["sent"] == 20 and result["responses"] == result["sent"]
    assert result["answered"] == result["sent"]
    assert result["missed_deadlines"] == 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["bot_index"] and result["bot_index"].startswith("loaded index")

    [step] = result["ramp"]
    assert step.keys() >= STEP_KEYS
    assert step["rate"] == 20 and step["sent"] == 10 and step["responses"] == step["sent"]

    reindex = result["reindex"]
    assert reindex.keys() >= REINDEX_KEYS
    assert reindex["title"] == "Full reindex done"
    assert reindex["seconds"] > 0
    for window in ("search_before", "search_during", "search_after"):
        assert reindex[window]["responses"] == reindex[window]["sent"], window
    assert reindex["search_before"]["sent"] >= 3 and reindex["search_after"]["sent"] >= 1
    assert reindex["heartbeat_before"]["heartbeats"] >= 1

    assert result["violations"] == 0, result["violation_examples"]
    assert result["bot_exit_code"] == 0
    info = {"cpu": "test", "cores": 2, "ram_gb": 1.0, "loadavg_at_start": [0, 0, 0],
            "date": "today", "commit": "abc", "python": "3"}
    text = markdown(result, info)
    assert "## Ramp" in text and "## Event-loop lag during a full reindex" in text
