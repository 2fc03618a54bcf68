"""``python -m bench COMMAND``: generate, engine, kernel, bot, squad, quotes, ingest, shards,
querylog, identify, newsroom."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    commands = ("generate", "engine", "kernel", "bot", "squad", "quotes", "ingest", "shards",
                "querylog", "identify", "newsroom")
    if not args or args[0] not in commands:
        print(f"usage: python -m bench {{{','.join(commands)}}} [options]  (--help for each)",
              file=sys.stderr)
        return 2
    if args[0] == "generate":
        from bench.generate import main as run
    elif args[0] == "bot":
        from bench.bot import main as run
    elif args[0] == "quotes":
        from bench.quotes import main as run
    elif args[0] == "ingest":
        from bench.ingest import main as run
    elif args[0] == "kernel":
        from bench.kernel import main as run
    elif args[0] == "squad":
        from bench.squad import main as run
    elif args[0] == "shards":
        from bench.shards import main as run
    elif args[0] == "querylog":
        from bench.querylog import main as run
    elif args[0] == "identify":
        from bench.identify import main as run
    elif args[0] == "newsroom":
        from bench.newsroom import main as run
    else:
        from bench.engine import main as run
    return run(args[1:])


if __name__ == "__main__":
    sys.exit(main())
