"""Bot benchmark: the real bot process against the local Discord (``bot/testing/fakediscord``).

Usage::

    python -m bench.bot --paragraphs 100k [--rate 50] [--seconds 20] [--json]

Steps:

1. The synthetic archive (:mod:`bench.generate`) is generated or reused, and its index is
   built or reused in ``bench/out/bot-<N>/index`` (loaded in this process with
   ``open_archive``, which also yields the fixed queries: :func:`bench.engine.make_queries`,
   1-5 words from the generator's vocabulary). The bot therefore *loads* it at start-up.
2. A :class:`~bot.testing.fakediscord.FakeDiscord` is started (request validation off by default:
   it costs CPU in this process; the 3-s deadline is not enforced by the fake, so a late
   response is still recorded with its real latency and counted as a missed deadline) and the
   real bot process, ``python -m bot -v run --config ...`` (:class:`tests.e2e.botproc.BotProcess`,
   token and Discord URLs in the environment). The run waits for READY and the command sync,
   and (``--settle``) for the bot's CPU to go idle (it warms its quote book after start-up).
3. **Sustained rate**: ``/search`` interactions, open loop (send *i* is scheduled at
   ``t0 + i/rate``, responses are never waited for), from a pool of distinct users (the
   cooldown is 1000 per second per user, so it never refuses). Per interaction the fake
   records the dispatch time and the arrival of the initial response (the deferral,
   callback type 5) and of the answer (the edit of ``@original``); both are reported.
4. **Ramp**: the same at each ``--ramp`` rate for ``--ramp-seconds`` each, draining between
   steps; the sustained maximum is the highest rate whose p99 initial response stays under 3 s
   with every interaction answered and at least 90 % of the rate actually sent.
5. **Reindex**: the bot exposes no loop-lag metric, so loop lag is measured from outside, two
   ways, while ``/archive-admin reindex full:true`` (an admin member) rebuilds the index:
   a ``/search`` probe every ``--probe-ms`` (initial-response latency before / during / after
   the reindex), and the gateway heartbeat: the fake sends ``heartbeat_interval``
   ``--heartbeat-ms`` in HELLO; discord.py's heartbeat thread wakes every interval and hands
   the send to the event loop, so (gap between heartbeats - interval) is how late the loop
   ran that coroutine. ``lag_max_ms`` is the largest such excess during the reindex.

This process's own event loop (the fake) is sampled too (``fake_loop_lag_max_ms``): its
stalls would inflate the measured latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.generate import OUT, Params, archive_dir, generate, parse_size
from bot.testing.fakediscord import FakeDiscord, InteractionHandle, factories
from tests.e2e.botproc import DEADLINE, DEFERRED, SEEDS, BotProcess, fake_token, write_config

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
ADMIN = "archive-admin"
REINDEX_DONE = ("Full reindex done", "Reindex done", "Reindex failed")
USERS = 500  # distinct users the interactions cycle through
QUERIES = 200
TARGET_P99_MS = 100.0  # the targets
TARGET_RATE = 50.0
TARGET_LAG_MS = 100.0
# Fixed queries for the bundled seeds (bench.engine.make_queries needs a generated archive).
SEED_QUERIES = (
    "air strikes Idlib", "Astana talks", "Russia bomb Syria", "opposition delegation",
    "civilians killed", "Aleppo", "ceasefire", "humanitarian aid", "Turkey Iran Russia",
    "peace talks Geneva",
)


# --inprocess-lag: the bot process started with this instead of ``python -m bot``: the same
# ``bot.cli.main`` with the same arguments, plus one task on its event loop (started from
# ``setup_hook``) that sleeps PERIOD s and writes how late it woke up ("monotonic lag" lines).
LAG_PROBE = """\
import asyncio, sys, time
from bot.app.client import ArchiveBot
path, period = sys.argv[1], float(sys.argv[2])
original = ArchiveBot.setup_hook
async def probe():
    with open(path, "w", buffering=1 << 16) as out:
        while True:
            before = time.monotonic()
            await asyncio.sleep(period)
            after = time.monotonic()
            out.write(f"{after:.6f} {after - before - period:.6f}\\n")
async def setup_hook(self):
    self.bench_lag_probe = asyncio.get_running_loop().create_task(probe())
    await original(self)
ArchiveBot.setup_hook = setup_hook
for experiment in filter(None, sys.argv[3].split(",")):  # --experiment (diagnosis only)
    if experiment == "gc-off":
        import gc; gc.disable()
    elif experiment.startswith("switch="):
        sys.setswitchinterval(float(experiment.removeprefix("switch=")))
    else:
        raise SystemExit(f"unknown --experiment {experiment!r}")
from bot.cli import main
sys.exit(main(sys.argv[4:]))
"""


class ProbedBotProcess(BotProcess):
    """:class:`BotProcess` whose event loop also measures its own lag (``LAG_PROBE``)."""

    def __init__(self, *args: Any, lag_file: Path, period: float = 0.01,
                 experiments: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lag_file, self.period, self.experiments = lag_file, period, list(experiments)

    def env(self) -> dict[str, str]:
        env = super().env()  # + the repository, for bench.bot in a child-reindex process
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH"))))
        return env

    async def start(self) -> BotProcess:
        self._stderr_file = self.stderr_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LAG_PROBE, str(self.lag_file), str(self.period),
            ",".join(self.experiments), "-v", "run", "--config", str(self.config),
            env=self.env(), cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL,
            stdout=self._stderr_file, stderr=self._stderr_file,
        )
        return self

    def samples(self) -> list[tuple[float, float]]:
        try:
            lines = self.lag_file.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in lines:
            with contextlib.suppress(ValueError):
                t, lag = line.split()
                out.append((float(t), max(0.0, float(lag))))
        return out


def lag_window(samples: Sequence[tuple[float, float]], start: float, end: float,
               ) -> dict[str, Any]:
    lags = [lag for t, lag in samples if start <= t <= end]
    if not lags:
        return {"samples": 0, "p99_ms": None, "max_ms": None}
    return {"samples": len(lags), "p99_ms": ms(float(np.percentile(lags, 99))),
            "max_ms": ms(max(lags))}


def log(msg: str) -> None:
    print(f"[bench.bot {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def now() -> float:
    return time.monotonic()  # the fake's clock (records.now)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def latency_stats(values: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in ms of latencies in seconds (None when there are none)."""
    if not values:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    p50, p95, p99 = np.percentile(np.asarray(values), [50, 95, 99])
    return {"p50_ms": ms(float(p50)), "p95_ms": ms(float(p95)), "p99_ms": ms(float(p99)),
            "max_ms": ms(max(values))}


# ---------------------------------------------------------------------------- preparation
@dataclass
class Prepared:
    """An archive, a folder for the bot (index, query log, logs) and the queries."""

    archive: Path
    home: Path
    paragraphs: int
    queries: list[str]
    index_action: str  # "loaded" (reused) or "built"
    index_seconds: float


def prepare(home: Path, *, paragraphs: int | None = None, archive: Path | None = None,
            n_queries: int = QUERIES) -> Prepared:
    """Generate (or reuse) the archive, build (or reuse) the index in ``home/index`` and make
    the queries. ``paragraphs=None``: use ``archive`` (default: the bundled seeds) as is."""
    from bot.config import load_settings
    from bot.runtime.workers import open_archive

    if paragraphs is not None:
        folder = archive_dir(paragraphs)
        log(f"archive {folder} (generated unless current)")
        generate(Params(paragraphs), folder, jobs=min(2, os.cpu_count() or 1))
    else:
        folder = archive or SEEDS
    home.mkdir(parents=True, exist_ok=True)
    config = write_config(home / "config.yaml", archive=folder, index=home / "index",
                          querylog=home / "querylog.sqlite3", guild_id="1")
    settings = load_settings(config, environ={})
    started = time.perf_counter()
    log(f"index {home / 'index'} (loaded when current, else built)")
    served, report = open_archive(settings)
    seconds = time.perf_counter() - started
    log(f"index: {report.summary()}")
    index = served.index
    if paragraphs is not None:
        from bench.engine import make_queries

        queries = make_queries(index, served.tokenizer, n_queries)
    else:
        queries = list(SEED_QUERIES)
    result = Prepared(folder, home, int(index.n_paragraphs), queries, report.action, seconds)
    del served, index
    gc.collect()
    return result


# ---------------------------------------------------------------------------- measuring
class LoopLag:
    """Samples this process's event-loop lag: how late a 10-ms sleep wakes up."""

    def __init__(self, period: float = 0.01) -> None:
        self.period = period
        self.samples: list[tuple[float, float]] = []  # (when, lag in s)
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = now()
            await asyncio.sleep(self.period)  # the measurement itself, not synchronisation
            after = now()
            self.samples.append((after, max(0.0, after - before - self.period)))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def max_ms(self, start: float, end: float) -> float | None:
        lags = [lag for t, lag in self.samples if start <= t <= end]
        return ms(max(lags)) if lags else None


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (0 when gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def machine_busy_seconds() -> float:
    """CPU seconds spent by the whole machine, all cores (from /proc/stat; 0 if unreadable)."""
    try:
        with open("/proc/stat") as fh:
            values = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU share (100 % = one core) of the bot, of this process and of everything else on the
    machine (other people's jobs make a 2-core benchmark noisy: say how much) over a phase."""

    def __init__(self, bot_pid: int) -> None:
        self.bot_pid = bot_pid
        self._start = (now(), cpu_seconds(bot_pid), time.process_time(),
                       machine_busy_seconds())

    def read(self) -> dict[str, float]:
        t0, b0, s0, m0 = self._start
        dt = max(now() - t0, 1e-9)
        bot = 100 * (cpu_seconds(self.bot_pid) - b0) / dt
        bench = 100 * (time.process_time() - s0) / dt
        other = 100 * (machine_busy_seconds() - m0) / dt - bot - bench
        return {"bot_cpu_pct": round(bot), "bench_cpu_pct": round(bench),
                "other_cpu_pct": max(0, round(other))}


async def settle(pid: int, *, idle_pct: float = 5.0, window: float = 0.5,
                 timeout: float = 120.0) -> float:
    """Wait until the bot process uses under ``idle_pct`` % CPU over ``window`` s (it warms
    its quote book after start-up and after a reindex). Returns the seconds waited."""
    started = now()
    while now() - started < timeout:
        before = cpu_seconds(pid)
        await asyncio.sleep(window)  # sampling the CPU (benchmark only, not in the smoke test)
        if 100 * (cpu_seconds(pid) - before) / window < idle_pct:
            break
    return round(now() - started, 1)


@dataclass
class Sent:
    """One dispatched interaction and what came back (times from the fake's clock)."""

    handle: InteractionHandle
    scheduled: float
    callback_at: float | None = None
    callback_type: int | None = None
    answered_at: float | None = None

    @property
    def dispatched(self) -> float:
        return self.handle.dispatched_at

    @property
    def delay(self) -> float | None:
        return None if self.callback_at is None else self.callback_at - self.dispatched

    @property
    def answer_delay(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.dispatched


class Driver:
    """Sends ``/search`` interactions to the bot through the fake and collects the outcomes."""

    def __init__(self, fake: FakeDiscord, queries: Sequence[str], users: int = USERS) -> None:
        self.fake = fake
        self.queries = list(queries)
        self.users = [factories.user(f"bench{i}") for i in range(users)]
        self.count = 0

    async def search(self) -> InteractionHandle:
        i = self.count
        self.count += 1
        query = self.queries[i % len(self.queries)]
        return await self.fake.send_slash_command("search", {"query": query},
                                                  user=self.users[i % len(self.users)])

    async def open_loop(self, rate: float, seconds: float,
                        stop: asyncio.Event | None = None) -> list[Sent]:
        """Send at ``t0 + i/rate`` for ``seconds`` (or until ``stop``), never waiting for a
        response; each send is its own task, so a slow dispatch does not shift the schedule."""
        n = max(1, round(rate * seconds))
        t0 = now() + 0.01
        tasks: list[tuple[float, asyncio.Task[InteractionHandle]]] = []
        for i in range(n):
            due = t0 + i / rate
            if (wait := due - now()) > 0:
                await asyncio.sleep(wait)  # open-loop pacing until the next scheduled send
            if stop is not None and stop.is_set():
                break
            tasks.append((due, asyncio.create_task(self.search())))
        handles = await asyncio.gather(*(t for _, t in tasks))
        return [Sent(h, due) for (due, _), h in zip(tasks, handles, strict=True)]

    async def collect(self, sent: Sequence[Sent], since: int, timeout: float) -> None:
        """Fill in each interaction's initial response and answer, from the fake's records;
        waits (on the fake's events, no polling) until all are in or ``timeout``."""
        app = re.escape(self.fake.application_id)
        by_id = {s.handle.id: s for s in sent}
        by_token = {s.handle.token: s for s in sent}
        callback = re.compile(r"^/interactions/(\d+)/([^/]+)/callback$")
        answer = re.compile(rf"^/webhooks/{app}/([^/]+)(?:/messages/@original)?$")
        missing = {s.handle.id for s in sent}

        def see(req: Any) -> bool:
            if req.ok:
                if req.method == "POST" and (m := callback.match(req.path)):
                    s = by_id.get(m[1])
                    if s is not None and s.callback_at is None:
                        s.callback_at = req.time
                        s.callback_type = (req.json or {}).get("type")
                        if s.callback_type != DEFERRED:  # answered in the callback itself
                            s.answered_at = req.time
                            missing.discard(s.handle.id)
                elif req.method in ("PATCH", "POST") and (m := answer.match(req.path)):
                    s = by_token.get(m[1])
                    if s is not None and s.answered_at is None and s.callback_at is not None:
                        s.answered_at = req.time
                        missing.discard(s.handle.id)
            return not missing

        if not missing:
            return
        with contextlib.suppress(AssertionError):  # timed out: reported as unanswered
            await self.fake.wait_for_request(None, r"^/(interactions|webhooks)/", predicate=see,
                                             timeout=timeout, since=since)


def summarise(sent: Sequence[Sent], rate: float | None = None) -> dict[str, Any]:
    """Counts, achieved rate and latency percentiles of one batch."""
    delays = [d for s in sent if (d := s.delay) is not None]
    answers = [d for s in sent if (d := s.answer_delay) is not None]
    times = [s.dispatched for s in sent]
    span = max(times) - min(times) if len(times) > 1 else 0.0
    out: dict[str, Any] = {}
    if rate is not None:
        out["rate"] = rate
    out.update({
        "sent": len(sent),
        "achieved_rate": round((len(sent) - 1) / span, 1) if span > 0 else None,
        "responses": len(delays),
        **latency_stats(delays),
        "missed_deadlines": sum(1 for s in sent if s.delay is None or s.delay >= DEADLINE),
        "answered": len(answers),
        "answer_ms": {k.removesuffix("_ms"): v for k, v in latency_stats(answers).items()},
        "send_behind_max_ms": ms(max((s.dispatched - s.scheduled for s in sent), default=0.0)),
    })
    return out


# ---------------------------------------------------------------------------- the run
@dataclass
class Options:
    rate: float = 50.0
    seconds: float = 20.0
    ramp: tuple[float, ...] = (25.0, 50.0, 100.0, 200.0)
    ramp_seconds: float = 5.0
    reindex: bool = True
    probe_ms: float = 50.0
    heartbeat_ms: int = 100
    baseline_seconds: float = 3.0
    after_seconds: float = 3.0
    validate: bool = False
    inprocess_lag: bool = False
    experiments: tuple[str, ...] = ()  # with inprocess_lag: gc-off, switch=SECONDS
    settle: bool = True
    warmup: int = 20
    drain_timeout: float = 120.0
    startup_timeout: float = 120.0
    reindex_timeout: float = 600.0
    on_bot_started: Callable[[int], None] | None = field(default=None, repr=False)


async def measure_reindex(fake: FakeDiscord, driver: Driver, opts: Options, lag: LoopLag,
                          bot_pid: int) -> dict[str, Any]:
    """Probes every ``probe_ms`` before, during and after a full reindex; heartbeat gaps."""
    interval = opts.probe_ms / 1000
    rate = 1 / interval
    since = fake.mark()
    hb_since = since
    cpu = CpuMeter(bot_pid)
    before = await driver.open_loop(rate, opts.baseline_seconds)

    done = asyncio.Event()
    stop = asyncio.Event()
    probes = asyncio.create_task(driver.open_loop(rate, opts.reindex_timeout, stop=stop))
    admin = await fake.send_slash_command(ADMIN, {"full": True}, subcommand="reindex",
                                          user=fake.world.admin)
    started = admin.dispatched_at
    token = re.escape(admin.token)

    def is_report(req: Any) -> bool:
        embeds = (req.json or {}).get("embeds") or [{}]
        return bool(req.ok and embeds[0].get("title") in REINDEX_DONE)

    report_task = asyncio.create_task(fake.wait_for_request(
        "PATCH", rf"^/webhooks/\d+/{token}/messages/@original$", predicate=is_report,
        timeout=opts.reindex_timeout, since=since))
    report_task.add_done_callback(lambda _: done.set())
    try:
        await done.wait()
        finished = now()
        cpu_during = cpu.read()
        report = report_task.result()  # raises if it timed out
        after_end = finished + opts.after_seconds
        if opts.after_seconds > 0:
            await asyncio.sleep(max(0.0, after_end - now()))  # pacing: the "after" window
    finally:
        stop.set()
        during_and_after = await probes
    everything = [*before, *during_and_after]
    await driver.collect(everything, since, opts.drain_timeout)

    embed = ((report.json or {}).get("embeds") or [{}])[0]
    fields = {f.get("name"): f.get("value") for f in embed.get("fields") or []}
    during = [s for s in during_and_after if s.dispatched <= finished]
    after = [s for s in during_and_after if s.dispatched > finished]
    base = summarise(before)
    dur = summarise(during)
    base_p50 = (base["p50_ms"] or 0.0) / 1000

    beats = [fr.time for fr in fake.frames
             if fr.direction == "in" and fr.op == 1 and fr.index >= hb_since]
    gaps = [(b, b - a) for a, b in itertools.pairwise(beats)]
    hb_interval = opts.heartbeat_ms / 1000

    def hb(start: float, end: float) -> dict[str, Any]:
        window = [g for t, g in gaps if start < t <= end]
        return {"heartbeats": len(window),
                "max_gap_ms": ms(max(window)) if window else None,
                "max_excess_ms": ms(max(window) - hb_interval) if window else None,
                "p99_excess_ms": ms(float(np.percentile(window, 99)) - hb_interval)
                if window else None}

    hb_before = hb(min((s.dispatched for s in before), default=started), started)
    hb_during = hb(started, finished)
    hb_after = hb(finished, after_end)
    probe_excess = [d - base_p50 for s in during if (d := s.delay) is not None]
    admin_callback = next((r for r in fake.requests if r.ok and r.method == "POST"
                           and r.path.startswith(f"/interactions/{admin.id}/")), None)
    return {
        "seconds": round(finished - started, 2),
        "bot_reported_seconds": fields.get("Time"),
        "title": embed.get("title"),
        "paragraphs": fields.get("Paragraphs"),
        "lag_max_ms": hb_during["max_excess_ms"],
        "search_p99_during_ms": dur["p99_ms"],
        "search_max_during_ms": dur["max_ms"],
        "heartbeat_max_gap_ms": hb_during["max_gap_ms"],
        "heartbeat_interval_ms": opts.heartbeat_ms,
        "probe_every_ms": opts.probe_ms,
        "probe_excess_max_ms": ms(max(probe_excess)) if probe_excess else None,
        "admin_initial_response_ms": ms(admin_callback.time - started)
        if admin_callback is not None else None,
        "search_before": base,
        "search_during": dur,
        "search_after": summarise(after),
        "heartbeat_before": hb_before,
        "heartbeat_during": hb_during,
        "heartbeat_after": hb_after,
        "fake_loop_lag_max_ms": lag.max_ms(started, finished),
        **cpu_during,
        "windows": {"before": (min((s.dispatched for s in before), default=started), started),
                    "during": (started, finished), "after": (finished, after_end)},
    }


async def run_benchmark(prepared: Prepared, opts: Options) -> dict[str, Any]:
    """Start the fake and the bot, run the phases, stop the bot; one result dict.

    This process's garbage collector is off while measuring (collected between phases): the
    fake keeps every request and frame, and a full collection of those would stall its loop
    and show up as bot latency."""
    token = fake_token("1234567890123456789")
    home = prepared.home
    db = home / "querylog.sqlite3"
    lag_file = home / "bot-loop-lag.txt"
    for stale in (db, home / "querylog.sqlite3-wal", home / "querylog.sqlite3-shm",
                  home / "bot-1.stderr.log", lag_file):
        stale.unlink(missing_ok=True)
    result: dict[str, Any] = {"paragraphs": prepared.paragraphs, "rate": opts.rate,
                              "archive": os.path.relpath(prepared.archive, REPO)}
    windows: list[tuple[dict[str, Any], str, float, float]] = []  # for the in-process lag
    gc.collect()
    gc.disable()
    async with FakeDiscord(token=token, heartbeat_interval=opts.heartbeat_ms,
                           interaction_deadline=None, validate=opts.validate) as fake:
        config = write_config(home / "config.yaml", archive=prepared.archive,
                              index=home / "index", querylog=db,
                              guild_id=fake.world.guild_id,  # the admin may reindex there:
                              discord={"owner_guild_id": int(fake.world.guild_id)})
        bot: BotProcess
        if opts.inprocess_lag:
            bot = ProbedBotProcess(fake, config, token, home, db, name="bot-1",
                                   lag_file=lag_file, experiments=opts.experiments)
        else:
            bot = BotProcess(fake, config, token, home, db, name="bot-1")
        lag = LoopLag()
        try:
            since = fake.mark()
            t0 = now()
            await bot.start()
            assert bot.proc is not None
            pid = bot.proc.pid
            if opts.on_bot_started is not None:
                opts.on_bot_started(pid)
            await bot.wait_ready(timeout=opts.startup_timeout, since=since)
            await fake.wait_for_command_sync(fake.world.guild_id,
                                             timeout=opts.startup_timeout, since=since)
            result["startup_s"] = round(now() - t0, 2)
            startup = re.search(r"(loaded|built|rebuilt) index: [^\n]*", bot.stderr())
            result["bot_index"] = startup[0] if startup else None
            if opts.settle:
                result["settle_s"] = await settle(pid)
            lag.start()
            driver = Driver(fake, prepared.queries)
            if opts.warmup:
                since = fake.mark()
                warm = await driver.open_loop(min(opts.rate, 20.0), opts.warmup / 20.0)
                await driver.collect(warm, since, opts.drain_timeout)
            gc.collect()

            log(f"sustained: {opts.rate:g}/s for {opts.seconds:g} s")
            since, cpu, start = fake.mark(), CpuMeter(pid), now()
            sent = await driver.open_loop(opts.rate, opts.seconds)
            await driver.collect(sent, since, opts.drain_timeout)
            main = summarise(sent)
            result.update({k: v for k, v in main.items() if k != "rate"})
            result["fake_loop_lag_max_ms"] = lag.max_ms(start, now())
            result.update(cpu.read())
            windows.append((result, "bot_loop_lag", start, now()))
            log(f"sustained: sent {result['sent']} ({result['achieved_rate']}/s), responses "
                f"{result['responses']}, p50 {result['p50_ms']} p99 {result['p99_ms']} max "
                f"{result['max_ms']} ms, bot CPU {result['bot_cpu_pct']} %")
            gc.collect()

            ramp = []
            for rate in opts.ramp:
                since, cpu, start = fake.mark(), CpuMeter(pid), now()
                step_sent = await driver.open_loop(rate, opts.ramp_seconds)
                await driver.collect(step_sent, since, opts.drain_timeout)
                step = summarise(step_sent, rate)
                step["fake_loop_lag_max_ms"] = lag.max_ms(start, now())
                step.update(cpu.read())
                windows.append((step, "bot_loop_lag", start, now()))
                ramp.append(step)
                log(f"ramp {rate:g}/s: sent {step['sent']} ({step['achieved_rate']}/s), "
                    f"p50 {step['p50_ms']} p99 {step['p99_ms']} max {step['max_ms']} ms, "
                    f"bot CPU {step['bot_cpu_pct']} %")
                gc.collect()
            result["ramp"] = ramp
            ok = [s["rate"] for s in ramp if sustained(s)]
            result["sustained_max_rate"] = max(ok) if ok else None
            # True: the highest rate tried was sustained too, the real maximum is higher.
            result["sustained_max_is_lower_bound"] = bool(ok) and max(ok) == max(opts.ramp)

            if opts.reindex:
                if opts.settle:
                    await settle(pid)
                log("reindex: full reindex with /search probes")
                x = result["reindex"] = await measure_reindex(fake, driver, opts, lag, pid)
                for name, (w0, w1) in x.pop("windows").items():
                    windows.append((x, f"bot_loop_lag_{name}", w0, w1))
                log(f"reindex: {x['seconds']} s, heartbeat lag max {x['lag_max_ms']} ms, "
                    f"search p99 during {x['search_p99_during_ms']} ms")
            else:
                result["reindex"] = None
            result["violations"] = len(fake.violations)
            result["violation_examples"] = [str(v) for v in fake.violations[:5]]
            result["bot_exit_code"] = await bot.terminate()
        finally:
            gc.enable()
            await lag.stop()
            await bot.kill()
    if isinstance(bot, ProbedBotProcess):
        samples = bot.samples()
        for target, key, w0, w1 in windows:
            target[key] = lag_window(samples, w0, w1)
        rx = result.get("reindex")
        if rx:
            rx["inprocess_lag_max_ms"] = rx["bot_loop_lag_during"]["max_ms"]
    result["bot_log"] = str(bot.stderr_path)
    result["settings"] = {
        "fake_validation": opts.validate, "fake_deadline_enforced": False,
        "heartbeat_interval_ms": opts.heartbeat_ms, "users": USERS,
        "queries": len(prepared.queries), "ramp_seconds": opts.ramp_seconds,
        "seconds": opts.seconds, "index": prepared.index_action,
        "inprocess_lag_probe": opts.inprocess_lag,
    }
    if opts.experiments:
        result["settings"]["EXPERIMENT"] = (f"bot process changed for diagnosis: "
                                            f"{', '.join(opts.experiments)}")
    return result


def sustained(step: dict[str, Any]) -> bool:
    """A ramp step the bot kept up with: everything answered, p99 under Discord's 3 s, and the
    rate actually offered (>= 90 %)."""
    p99 = step.get("p99_ms")
    achieved = step.get("achieved_rate") or 0.0
    return (p99 is not None and p99 < DEADLINE * 1000 and step["responses"] == step["sent"]
            and achieved >= 0.9 * step["rate"])


# ---------------------------------------------------------------------------- output
def targets(r: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, bool | None]] = []
    if r["rate"] >= TARGET_RATE and r.get("p99_ms") is not None:
        rows.append((f"p99 initial response at {r['rate']:g} interactions/s", "< 100 ms",
                     f"{r['p99_ms']:.1f} ms", r["p99_ms"] < TARGET_P99_MS
                     and r["responses"] == r["sent"]))
    x = r.get("reindex")
    if x and x.get("lag_max_ms") is not None:
        rows.append(("event-loop lag during a full reindex (heartbeat excess, max)",
                     "< 100 ms", f"{x['lag_max_ms']:.1f} ms", x["lag_max_ms"] < TARGET_LAG_MS))
        rows.append(("/search initial response during the reindex (p99 / max)", "< 100 ms",
                     f"{x['search_p99_during_ms']} / {x['search_max_during_ms']} ms",
                     (x["search_p99_during_ms"] or 0) < TARGET_LAG_MS))
    return rows


def _f(v: Any, unit: str = "") -> str:
    if v is None:
        return "—"
    return f"{v:g}{unit}" if isinstance(v, float | int) else str(v)


def _lag(w: dict[str, Any] | None) -> str:
    return "not measured" if not w else f"{_f(w['p99_ms'])} / {_f(w['max_ms'])}"


def markdown(r: dict[str, Any], info: dict[str, Any]) -> str:
    head = ("| rate (/s) | sent | achieved (/s) | responses | initial p50 / p95 / p99 / max "
            "(ms) | missed 3-s | answer p50 / p99 (ms) | bot CPU | fake CPU | fake loop lag "
            "max (ms) | other processes' CPU | bot loop lag p99 / max (ms, in-process) |")
    sep = "|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---|"
    lines = [
        "# archive-bot bot benchmark (real bot process, local Discord)",
        "",
        f"- machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GiB RAM "
        f"(load average at start {info['loadavg_at_start']})",
        f"- date: {info['date']}",
        f"- git commit: {info['commit']}",
        f"- python {info['python']}",
        f"- archive: {r['paragraphs']:,} paragraphs ({r['archive']}), index "
        f"{r['settings']['index']} before the run; the bot {r.get('bot_index')!s} at start-up "
        f"(ready + commands synced in {r.get('startup_s')} s)",
        f"- re-run: `python -m bench.bot --paragraphs {r['paragraphs']} --rate {r['rate']:g} "
        f"--seconds {r['settings']['seconds']:g}`",
        "",
        "What is measured: the bot is the real `python -m bot -v run` process; this process runs "
        "`bot/testing/fakediscord` (REST + gateway on loopback, request validation "
        f"{'on' if r['settings']['fake_validation'] else 'OFF (throughput run)'}, 3-s deadline "
        "not enforced so late responses keep their real latency) and sends `/search` "
        "interactions open loop (send i at t0 + i/rate, from "
        f"{r['settings']['users']} distinct users cycling over {r['settings']['queries']} fixed "
        "queries). *Initial response* = dispatch of "
        "INTERACTION_CREATE on the gateway -> arrival of the interaction callback (the bot "
        "defers, type 5) at the fake; *answer* = dispatch -> arrival of the edit of "
        "`@original` with the results. Both timestamps come from the fake's records "
        f"(time.monotonic). The bot and the fake share the machine's {info['cores']} cores: "
        "the fake's own CPU and loop lag are listed (they are part of what is measured), and "
        "so is the CPU used meanwhile by other processes on the machine (100 % = one core).",
        "",
        "## Sustained rate",
        "",
        head,
        sep,
    ]

    def row(s: dict[str, Any], rate: float) -> str:
        a = s["answer_ms"]
        return (f"| {rate:g} | {s['sent']} | {_f(s['achieved_rate'])} | {s['responses']} | "
                f"{_f(s['p50_ms'])} / {_f(s['p95_ms'])} / {_f(s['p99_ms'])} / "
                f"{_f(s['max_ms'])} | {s['missed_deadlines']} | {_f(a['p50'])} / "
                f"{_f(a['p99'])} | {s.get('bot_cpu_pct', '—')} % | "
                f"{s.get('bench_cpu_pct', '—')} % | {_f(s.get('fake_loop_lag_max_ms'))} | "
                f"{s.get('other_cpu_pct', '—')} % | {_lag(s.get('bot_loop_lag'))} |")

    lines.append(row(r, r["rate"]))
    lines += ["", f"({r['settings']['seconds']:g} s at a fixed rate.)", "",
              f"## Ramp ({r['settings']['ramp_seconds']:g} s per step, drained in between)",
              "", head, sep]
    lines += [row(s, s["rate"]) for s in r["ramp"]]
    bound = " (the highest rate tried: the real maximum is higher)" if r.get(
        "sustained_max_is_lower_bound") else ""
    lines += ["", f"Sustained maximum (p99 initial response < 3 s, all answered, >= 90 % of the "
                  f"rate sent): **{_f(r.get('sustained_max_rate'))} /s**{bound}.", ""]
    x = r.get("reindex")
    if x:
        lines += [
            "## Event-loop lag during a full reindex",
            "",
            f"`/archive-admin reindex full:true` by a Manage-Server member; the report came "
            f"{x['seconds']} s after the dispatch (bot's own timing: {x['bot_reported_seconds']}, "
            f"\"{x['title']}\"). A `/search` probe every {x['probe_every_ms']:g} ms before, "
            f"during and for a few seconds after (the bot then rebuilds its quote book). The "
            "bot has no loop-lag metric of its own; the heartbeat column is the out-of-process "
            f"estimate: the fake asks for a heartbeat every {x['heartbeat_interval_ms']} ms, "
            "discord.py's keep-alive thread wakes on time and hands the send to the event "
            "loop, so (gap - interval) is how late the loop ran it.",
            "",
            "| window | probes | initial p50 / p99 / max (ms) | heartbeats | heartbeat gap max "
            "(ms) | loop lag = gap - interval, p99 / max (ms) | bot loop lag p99 / max (ms, "
            "in-process probe) |",
            "|---|---:|---|---:|---:|---|---|",
        ]
        for name, key in (("before", "before"), ("during reindex", "during"),
                          ("after (quote book warm-up)", "after")):
            s, h = x[f"search_{key}"], x[f"heartbeat_{key}"]
            lines.append(f"| {name} | {s['sent']} | {_f(s['p50_ms'])} / {_f(s['p99_ms'])} / "
                         f"{_f(s['max_ms'])} | {h['heartbeats']} | {_f(h['max_gap_ms'])} | "
                         f"{_f(h['p99_excess_ms'])} / {_f(h['max_excess_ms'])} | "
                         f"{_lag(x.get(f'bot_loop_lag_{key}'))} |")
        lines += ["", f"During the reindex: bot CPU {x['bot_cpu_pct']} %, fake CPU "
                      f"{x['bench_cpu_pct']} %, other processes {x['other_cpu_pct']} % "
                      "(100 % = one core), fake loop lag max "
                      f"{_f(x['fake_loop_lag_max_ms'])} ms; the admin command's own initial "
                      f"response {_f(x['admin_initial_response_ms'])} ms.", ""]
    rows = targets(r)
    if rows:
        lines += ["## Targets", "", "| target | goal | measured | met |", "|---|---|---:|---|"]
        lines += [f"| {a} | {b} | {c} | {'yes' if ok else 'NO'} |" for a, b, c, ok in rows]
        lines.append("")
    if r.get("notes"):
        lines += ["## Notes", "", *[f"- {n}" for n in r["notes"]], ""]
    return "\n".join(lines)


def experiment(text: str) -> str:
    """An ``--experiment`` the bot process knows (see ``LAG_PROBE``); anything else is an
    error here, not an experiment silently skipped in the bot."""
    if text == "gc-off" or re.fullmatch(r"switch=\d+(\.\d+)?", text):
        return text
    raise argparse.ArgumentTypeError(f"unknown experiment {text!r} (gc-off, switch=SECONDS)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bot", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=parse_size, help="archive size (10k, 100k, ...); "
                    "default: the bundled seeds")
    ap.add_argument("--rate", type=float, default=50.0, help="interactions per second")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of the sustained run")
    ap.add_argument("--ramp", default="25,50,100,200", help="rates of the ramp ('' = none)")
    ap.add_argument("--ramp-seconds", type=float, default=5.0)
    ap.add_argument("--no-reindex", action="store_true", help="skip the reindex phase")
    ap.add_argument("--probe-ms", type=float, default=50.0,
                    help="/search probe period around the reindex")
    ap.add_argument("--heartbeat-ms", type=int, default=100,
                    help="heartbeat_interval the fake sends in HELLO")
    ap.add_argument("--validate", action="store_true",
                    help="let the fake validate every request (costs CPU in this process)")
    ap.add_argument("--inprocess-lag", action="store_true",
                    help="also measure the loop lag inside the bot process: it is started "
                    "with a 10-ms sleep-lag probe task added to its event loop (diagnosis)")
    ap.add_argument("--experiment", action="append", default=[],
                    type=experiment,
                    help="diagnosis (implies --inprocess-lag): 'gc-off' (no cyclic GC in the bot) "
                    "or 'switch=0.001' (sys.setswitchinterval); repeatable")
    ap.add_argument("--no-settle", action="store_true",
                    help="do not wait for the bot's CPU to go idle before phases")
    ap.add_argument("--home", type=Path, default=None, help="bench folder (default "
                    "bench/out/bot-<N>)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--no-write", action="store_true",
                    help="do not write bench/results-bot.{json,md}")
    args = ap.parse_args(argv)
    home = args.home or OUT / f"bot-{args.paragraphs or 'seeds'}"
    prepared = prepare(home, paragraphs=args.paragraphs)
    opts = Options(
        rate=args.rate, seconds=args.seconds,
        ramp=tuple(float(x) for x in args.ramp.split(",") if x.strip()),
        ramp_seconds=args.ramp_seconds, reindex=not args.no_reindex, probe_ms=args.probe_ms,
        heartbeat_ms=args.heartbeat_ms, validate=args.validate, settle=not args.no_settle,
        inprocess_lag=args.inprocess_lag or bool(args.experiment),
        experiments=tuple(args.experiment),
    )
    from bench.engine import machine

    info = machine()
    result = asyncio.run(run_benchmark(prepared, opts))
    result["machine"] = info
    if not args.no_write:
        (ROOT / "results-bot.json").write_text(json.dumps(result, indent=2) + "\n",
                                               encoding="utf-8")
        (ROOT / "results-bot.md").write_text(markdown(result, info), encoding="utf-8")
        log(f"wrote {ROOT / 'results-bot.json'} and {ROOT / 'results-bot.md'}")
    if args.json:
        print(json.dumps(result))
    else:
        print(markdown(result, info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
