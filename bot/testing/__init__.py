"""Test support shipped with the package (as sqlite-utils and datasette do): a local Discord
(:mod:`.fakediscord`) that the test suite and the benchmarks both run the real bot against.
Needs the ``dev`` extras (jsonschema).

May import any layer of the product; nothing in the product imports it
(``tests/test_layout.py``)."""
