"""The optional compiled BM25 kernel (bot/core/_postings.c); everything else is in
pyproject.toml. ``optional=True``: without a C compiler the install still succeeds and the
index scores with numpy (same results, slower); ``archive-bot status`` says which runs."""

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
        )
    ]
)
