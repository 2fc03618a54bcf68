"""The pure core: ingest, tokenize, build the index (BM25), store it, search and answer.

Holds the ingesters (``ingest``, ``cleaning``, ``htmltext``, ``dates``), the tokenizer, the
index and its build pipeline, storage on disk, retrieval (``search``) and the extractive
answers (:mod:`bot.core.answers`). Functions of data: no Discord, no event loop, threads,
processes, ``ctypes``/``fcntl`` or plotting (the runtime and presentation layers own those).

May import: :mod:`bot.errors`, :mod:`bot.config` and itself; never ``bot.store``,
``bot.runtime``, ``bot.app``, ``bot.exts``, ``bot.cli`` or ``bot.testing``
(``tests/test_layout.py`` checks this).
"""
