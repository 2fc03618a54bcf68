"""The engine benchmark's timers cannot lie: a stage whose function is gone is an error, the
stage tables name functions that exist, and stage times are own times that add up."""

from __future__ import annotations

import time
import types
from collections.abc import Iterator

import pytest

from bench.engine import (
    BUILD_STAGES,
    LOAD_STAGES,
    LOAD_THREAD_STAGES,
    Stage,
    StageError,
    Timers,
)


def test_wrapping_a_missing_function_is_an_error() -> None:
    owner = types.SimpleNamespace(__name__="somewhere", present=lambda: 1)
    timers = Timers()
    with pytest.raises(StageError, match=r"somewhere\.absent"):
        timers.wrap(owner, "absent")
    with pytest.raises(StageError, match=r"bot\.core\.build\.pipeline\.no_such_stage"):
        timers.wrap_stages((Stage("x", "bot.core.build.pipeline", "no_such_stage"),))
    timers.restore()


@pytest.mark.parametrize("stages", [BUILD_STAGES, LOAD_STAGES, LOAD_THREAD_STAGES])
def test_every_stage_names_a_function_of_the_current_code(stages: tuple[Stage, ...]) -> None:
    timers = Timers()
    timers.wrap_stages(stages)  # raises naming the first function that no longer exists
    timers.restore()


def _module() -> types.SimpleNamespace:
    def inner() -> None:
        time.sleep(0.02)  # the work being timed

    def outer() -> None:
        time.sleep(0.01)
        mod.inner()

    def items() -> Iterator[int]:
        for i in range(3):
            time.sleep(0.01)
            yield i

    mod = types.SimpleNamespace(__name__="toy", inner=inner, outer=outer, items=items)
    return mod


def test_stage_times_are_own_times_and_add_up_to_the_total() -> None:
    mod = _module()
    originals = dict(vars(mod))
    timers = Timers()
    for name in ("inner", "outer", "items"):
        timers.wrap(mod, name)
    started = time.perf_counter()
    mod.outer()
    outer_total = time.perf_counter() - started
    consumer = 0.0
    for _ in mod.items():
        t0 = time.perf_counter()
        time.sleep(0.03)  # the consumer's time is not the generator's
        consumer += time.perf_counter() - t0
    total = time.perf_counter() - started
    timers.restore()
    assert vars(mod) == originals

    # Bounds from the clock around the calls, not from the sleeps' nominal lengths: a loaded
    # machine stretches every sleep, never the structure.
    t = timers.seconds
    assert t["inner"] >= 0.02 and t["outer"] >= 0.01
    assert t["inner"] + t["outer"] == pytest.approx(outer_total, abs=0.005)  # own times
    assert t["items"] >= 0.03 and timers.calls["items"] == 4  # 3 items + the end
    assert t["items"] <= total - outer_total - consumer + 0.005  # not the consumer's time
    table = tuple(Stage(n, "toy", n) for n in ("inner", "outer", "items"))
    stages = timers.stages(table, total)
    assert stages["other"] >= 0.09  # the consumer's sleeps
    assert sum(stages.values()) == pytest.approx(total)
    with pytest.raises(StageError, match="more than the total"):
        timers.stages(table, total / 4)


def test_a_size_measured_without_competitors_prints_no_side_by_side(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`--no-competitors` (the 10M run): the report of one size has no competitor section,
    and printing it must not end the run before its JSON is written."""
    from bench.competitors_report import print_side_by_side

    print_side_by_side({"paragraphs": 10_000_000})
    assert capsys.readouterr().err == ""
