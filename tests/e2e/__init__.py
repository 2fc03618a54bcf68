"""End-to-end tests: the unmodified bot process (``archive-bot run``) against the fake Discord.

Run with ``pytest -q tests/e2e``. Every request the bot makes is validated against Discord's
OpenAPI spec and message limits; every test ends with ``fake.assert_no_violations()``.
"""
