"""How much work one request may do: a size budget and a time budget.

A request to summarise a huge article, or to answer from a huge paragraph, costs time in
proportion to the text it reads; on a shared bot it would hold a worker thread (and the GIL)
for as long as it takes. :class:`Budget` bounds it twice:

* **size**: the archive text the request reads, in UTF-8 bytes (``answers.max_work_bytes``;
  known from the index's offsets without decoding anything). The answer paths charge each
  batch of paragraphs *before* working on it, so an over-large request is refused at once,
  without doing the work;
* **time**: the CPU seconds the request's thread spends (``answers.max_work_seconds``),
  checked as the work goes (per sentence), so whatever the shape of the text, no request runs
  unbounded. CPU time, not wall time: a request waiting for the GIL behind others is not
  charged for their work.

Either limit raises :class:`WorkTooLargeError`, whose message says so plainly. A budget can
also carry a ``cancel`` event (set when the bot shuts down): work in progress then stops at
its next check with :class:`WorkCancelledError`. ``0`` turns a limit off.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from bot.config import AnswerSettings
from bot.errors import ArchiveBotError

if TYPE_CHECKING:
    from bot.core.index import ArchiveIndex


class WorkTooLargeError(ArchiveBotError):
    """A request that would read or compute more than one request may."""


class WorkCancelledError(ArchiveBotError):
    """Work stopped because the bot is shutting down."""


CANCELLED_MESSAGE = "The bot is restarting; please try again in a minute."


class CancelFlag(Protocol):
    """What a budget polls to stop early: the runtime's ``threading.Event``, set at shutdown
    (the core itself uses no threads)."""

    def is_set(self) -> bool: ...


class Budget:
    """The work one request may still do (see the module docstring). Not thread-safe: one
    budget belongs to one request, used by the one thread doing its work."""

    def __init__(
        self,
        max_bytes: int = 0,
        max_seconds: float = 0.0,
        *,
        cancel: CancelFlag | None = None,
        clock: Callable[[], float] = time.thread_time,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.cancel = cancel
        self.used = 0
        self._clock = clock
        self._started: float | None = None  # the clock when the work began (first check)

    @classmethod
    def of(cls, settings: AnswerSettings, *, cancel: CancelFlag | None = None) -> Budget:
        return cls(settings.max_work_bytes, settings.max_work_seconds, cancel=cancel)

    @classmethod
    def unlimited(cls) -> Budget:
        return cls()

    def spend(self, size: int) -> None:
        """Charge ``size`` bytes of text about to be read; raises when over the limit."""
        self.used += max(0, size)
        if self.max_bytes and self.used > self.max_bytes:
            raise WorkTooLargeError(
                f"That is too large to answer: it would read {_megabytes(self.used)} of "
                f"archive text, and one request may read {_megabytes(self.max_bytes)}. "
                "Try a narrower request (a topic, another article, or date filters)."
            )
        self.check()

    def fits(self, size: int) -> bool:
        """Whether ``size`` more bytes could still be read."""
        return not self.max_bytes or self.used + size <= self.max_bytes

    def spend_paragraphs(self, index: ArchiveIndex, paragraphs: Iterable[int]) -> None:
        """Charge the text of these paragraphs of ``index`` (before reading them)."""
        offsets = index.text_offsets
        self.spend(sum(int(offsets[p + 1]) - int(offsets[p]) for p in paragraphs))

    def check(self) -> None:
        """Raise when the time limit is spent or the bot is shutting down. The first call
        starts the clock (in the thread doing the work: thread CPU time is per thread)."""
        if self.cancel is not None and self.cancel.is_set():
            raise WorkCancelledError(CANCELLED_MESSAGE)
        now = self._clock()
        if self._started is None:
            self._started = now
            return
        if self.max_seconds and now - self._started > self.max_seconds:
            raise WorkTooLargeError(
                f"That is too large to answer: it needed more than {self.max_seconds:g} s of "
                "work, the most one request may take. Try a narrower request (a topic, "
                "another article, or date filters)."
            )


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
