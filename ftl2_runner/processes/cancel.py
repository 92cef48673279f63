"""One cancel flag for the worker's whole life, from before stdin is read until eof.

Receptor cancels a unit with SIGINT (AWX's ``work cancel``), a pod is stopped with
SIGTERM. Upstream installs its handlers only once ``init_runner`` runs, i.e. after
the transmit stream has been read and unpacked (seconds for a large project): a
signal before that hit Python's defaults, a ``KeyboardInterrupt`` traceback on the
protocol stream or a silent death, and no eof. And upstream's flag is private to
``Runner``, so a cancel during the artifacts zip went unnoticed.

So the worker installs this watch first thing. While the job is not yet running
(reading, validating, extracting), a signal aborts that work at once
(``JobCanceled``), and the worker streams ``canceled`` and eof. From the moment
the job is handed to upstream's ``init_runner`` (``Ftl2Worker._start_job`` passes
``upstream_signal_handler()`` as its ``cancel_callback``, in place of the handlers
upstream's ``signal_handler`` would install), a signal only sets the flag, which
upstream's Runner polls as before; the worker also reads it to bound the artifacts zip
after a cancel and to kill what the job left running.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

CANCEL_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class JobCanceled(BaseException):
    """A cancel arrived before the job started; a BaseException so no ``except Exception`` eats it."""


class CancelWatch:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.received_at: float | None = None
        self._abort_work = True
        self._previous: dict[int, Any] = {}
        self.installed = False

    def install(self) -> bool:
        """Take over SIGINT and SIGTERM; False outside the main thread (as upstream's signal_handler)."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for signum in CANCEL_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handler)
        self.installed = True
        from . import early_signals

        noted = early_signals.noted_at()  # a signal the console script noted before this watch existed
        if noted is not None and not self._event.is_set():
            self.received_at = noted
            self._event.set()
        return True

    def restore(self) -> None:
        """Give the signals back (the Python API runs inside a host program)."""
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()
        self.installed = False

    def _handler(self, signum: int, frame: Any) -> None:
        if not self._event.is_set():
            self.received_at = time.monotonic()
            self._event.set()
        if self._abort_work:
            self._abort_work = False  # once: the clean-up that follows must not be interrupted
            raise JobCanceled(signum)

    def is_set(self) -> bool:
        return self._event.is_set()

    def raise_if_set(self) -> None:
        """A checkpoint: a cancel whose ``JobCanceled`` was swallowed (raised inside a weakref
        callback or a ``__del__``, where Python only prints it) still stops the job here."""
        if self._event.is_set() and self._abort_work:
            raise JobCanceled(0)

    def upstream_signal_handler(self) -> Callable[[], bool]:
        """The ``cancel_callback`` upstream's ``init_runner`` gets instead of ``ansible_runner.utils.signal_handler()``."""
        self._abort_work = False
        return self._event.is_set

    def seconds_left(self, grace: float) -> float | None:
        """Time left of ``grace`` seconds since the cancel, or None when there was none."""
        if self.received_at is None:
            return None
        return max(0.0, grace - (time.monotonic() - self.received_at))
