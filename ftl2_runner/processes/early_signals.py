"""SIGINT and SIGTERM noted from the console script's first line until the cancel watch takes over.

CPython runs no code of ours before ``console.console_main``. From its first line on, a cancel
must neither kill the worker silently (SIGTERM's default action: no status, no eof) nor end it
with a ``KeyboardInterrupt`` traceback as the whole result stream (SIGINT), while the CLI, the
warm executor and ansible_runner are still being imported (0.1-0.6 s on a loaded node). So
``console_main`` installs these handlers before anything else, and they only *note* the
signal: raising from a handler in the middle of an import can land in an importlib weakref
callback, where Python prints "Exception ignored" and goes on. ``CancelWatch.install`` adopts
the note, and the worker then ends the job as ``canceled`` (with eof) before reading anything.

Only builtin modules are used (``_signal``, ``time``): installing costs no import.
"""

import _signal
import time

_noted: list[float] = []


def _note(signum: int, frame: object) -> None:
    if not _noted:
        _noted.append(time.monotonic())


def install() -> None:
    """Note SIGINT and SIGTERM from now on (call from the main thread)."""
    _signal.signal(_signal.SIGINT, _note)
    _signal.signal(_signal.SIGTERM, _note)


def noted_at() -> float | None:
    """``time.monotonic()`` of the first signal noted here, or None."""
    return _noted[0] if _noted else None
