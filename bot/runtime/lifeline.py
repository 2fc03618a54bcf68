"""Child processes die with their parent.

The bot reindexes in a child process, and a large build analyses files in worker processes
of its own. A process killed with SIGKILL (an OOM kill, ``kill -9``, a container stop past its
grace period) runs no clean-up, and its children would live on: the workers block forever on
a queue nobody writes to any more. :func:`die_with_parent` (a pool ``initializer``, or the
first call in a child) makes sure they do not:

* on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the child the moment its
  parent dies (strictly, when the parent *thread* that started it exits; every pool here is
  created and shut down by one thread that outlives it);
* everywhere (and to close the race of a parent that died before the call), the parent pid
  it was given is compared with the actual one, and a daemon thread watches it every
  :data:`WATCH_SECONDS`: once the child is re-parented it exits at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5
ORPHANED_EXIT = 70  # EX_SOFTWARE: the parent vanished


def _set_parent_death_signal(sig: int) -> bool:
    """``prctl(PR_SET_PDEATHSIG, sig)`` on Linux; whether it took."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _orphaned(parent: int) -> bool:
    return os.getppid() != parent


def _watch(parent: int, stop: threading.Event) -> None:
    while not stop.wait(WATCH_SECONDS):
        if _orphaned(parent):
            os._exit(ORPHANED_EXIT)


def die_with_parent(parent: int) -> None:
    """Make this process exit when process ``parent`` (its parent's pid, passed from the
    parent: a spawned child cannot know it otherwise) dies; see the module docstring."""
    _set_parent_death_signal(signal.SIGKILL)
    if _orphaned(parent):  # the parent died before we got here
        os._exit(ORPHANED_EXIT)
    threading.Thread(target=_watch, args=(parent, threading.Event()), daemon=True,
                     name="archive-bot-lifeline").start()
