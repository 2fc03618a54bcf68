"""Discord extensions, one per command family (loaded by name in ``setup_hook``).

May import everything below them: :mod:`bot.app` and the layers it may import; never
``bot.cli`` or ``bot.testing`` (``tests/test_layout.py``).
"""
