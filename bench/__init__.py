"""Benchmarks for archive-bot (not part of the test suite).

``python -m bench generate --paragraphs N``  writes a deterministic synthetic archive.
``python -m bench engine --paragraphs N --json``  measures one archive size.
``python -m bench engine --all``  runs 10k, 100k and 1M and writes bench/results.{md,json}.
"""
