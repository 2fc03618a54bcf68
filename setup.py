"""The optional compiled BM25 kernel (bot/core/_postings.c) and tokenizer fast path
(bot/core/_tokens.c); everything else is in pyproject.toml. ``optional=True``: without a C
compiler the install still succeeds and the index scores and tokenizes in Python (same
results, slower); ``archive-bot status`` says which scorer runs."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "bot.core._postings",
            ["bot/core/_postings.c"],
            optional=True,
            # -ffp-contract=off: no fused multiply-add, so the scores are bit-identical to
            # the numpy path's separate multiply and add. -O3 (still IEEE: no fast-math)
            # unswitches the loops on the tf and length widths: 12-15% faster than -O2 at 1M
            # paragraphs (python -m bench kernel), the same bits.
            extra_compile_args=["-O3", "-ffp-contract=off"],
        ),
        # The tokenizer's ASCII fast path (bot/core/_tokens.c); optional the same way.
        Extension("bot.core._tokens", ["bot/core/_tokens.c"], optional=True,
                  extra_compile_args=["-O3"]),
    ]
)
