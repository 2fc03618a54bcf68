"""``python -m bench.identify``: how long N shards of one process take to connect, with
discord.py's default ``before_identify_hook`` (5 s before every IDENTIFY but the first) and
with the bot's identify buckets (bot/app/identify.py: 5 s only between two IDENTIFYs of one
bucket, ``shard_id % max_concurrency``), against the local Discord with Discord's real 5 s
rule checked (any IDENTIFY of a bucket < 5 s after the previous one is counted as a
violation). Prints the figures side by side and writes bench/results-identify.{md,json}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import discord
from discord.ext import commands

from bot.app.identify import LocalBuckets
from bot.testing.fakediscord import FakeDiscord, factories, run_client
from bot.testing.fakediscord.shards import place_on_shard

OUT = Path(__file__).resolve().parent
DISCORD_INTERVAL = 5.0


class Client(commands.AutoShardedBot):
    """A bare AutoShardedBot; ``buckets`` None: discord.py's own hook."""

    def __init__(self, shards: int, buckets: LocalBuckets | None) -> None:
        super().__init__(command_prefix=commands.when_mentioned,
                         intents=discord.Intents.none(), shard_count=shards)
        self.buckets = buckets

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if self.buckets is None:
            await super().before_identify_hook(shard_id, initial=initial)
        else:
            await self.buckets.wait(shard_id or 0)


@dataclass(frozen=True)
class Run:
    hook: str
    shards: int
    max_concurrency: int
    seconds: float  # client start -> every shard's READY sent
    violations: int


async def one(hook: str, shards: int, concurrency: int, interval: float) -> Run:
    world = factories.World.default()
    for i in range(1, shards):  # one guild per shard
        place_on_shard(world.add_guild(f"guild {i}"), i, shards)
    place_on_shard(world, 0, shards)
    async with FakeDiscord(world=world, shards=shards, max_concurrency=concurrency,
                           identify_interval=interval) as fake:
        with fake.redirect_discord_py():
            buckets = LocalBuckets(concurrency, interval) if hook == "buckets" else None
            client = Client(shards, buckets)
            start = time.perf_counter()
            async with run_client(fake, client, ready_timeout=60):
                for shard in range(shards):
                    await fake.wait_for_shard_ready(shard, timeout=60)
                seconds = time.perf_counter() - start
            return Run(hook, shards, concurrency, round(seconds, 2), len(fake.violations))


def report(runs: list[Run], interval: float) -> str:
    lines = [f"# Identify: {runs[0].shards} shards in one process, {interval:g} s per bucket",
             "", "Command: `python -m bench.identify` (local Discord, the rule checked).", "",
             "All shards READY after the client starts, seconds (violations of the rule). "
             "discord.py's hook waits the same whatever max_concurrency is (measured once).",
             "", "| max_concurrency | discord.py's hook | identify buckets |",
             "| ---: | ---: | ---: |"]
    default = next(r for r in runs if r.hook == "default")
    for r in (r for r in runs if r.hook == "buckets"):
        lines.append(f"| {r.max_concurrency} | {default.seconds:.2f} ({default.violations}) | "
                     f"{r.seconds:.2f} ({r.violations}) |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.identify", description=__doc__)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--interval", type=float, default=DISCORD_INTERVAL,
                        help="seconds per bucket (Discord: 5)")
    parser.add_argument("--write", action="store_true", help="write bench/results-identify.*")
    args = parser.parse_args(argv)
    concurrencies = sorted({1, 2, args.shards})
    runs = [asyncio.run(one("default", args.shards, args.shards, args.interval))]
    runs += [asyncio.run(one("buckets", args.shards, m, args.interval)) for m in concurrencies]
    text = report(runs, args.interval)
    print(text)
    if args.write:
        (OUT / "results-identify.md").write_text(text, encoding="utf-8")
        (OUT / "results-identify.json").write_text(
            json.dumps([asdict(r) for r in runs], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
