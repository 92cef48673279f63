"""Routes Python logging and warnings from FTL2 and its libraries into the job output.

With ``log_file=None`` FTL2 configures no handler, so its WARNING records (connection
retries, remote failures with full tracebacks) would reach stderr through logging's
last-resort handler — as noise in the middle of the job. Instead, records are shown
the way Ansible shows connection chatter: as plain verbose lines from ``-vvv`` on
(with tracebacks from ``-vvvv``), and hidden below that; the failure itself is already
reported by the task's result event. Python ``warnings`` are always shown, as
``[WARNING]:`` lines, because they usually point at a mistake in the script (a module
call that was never awaited is named by its script line, see ``diagnostics``) —
except ``ResourceWarning``: FTL2 and asyncssh leave unclosed transports and sockets
behind after remote failures, which says nothing about the job (Ansible shows nothing
of the kind), so those are debug output, verbose lines from ``-vvvv`` only.
"""

from __future__ import annotations

import logging
import warnings
from typing import TextIO

from .formatting import Formatter
from .protocol import DisplayChannel

_CONNECTION_VERBOSITY = 3
_TRACEBACK_VERBOSITY = 4


class JobOutputHandler(logging.Handler):
    def __init__(self, channel: DisplayChannel, formatter: Formatter):
        super().__init__(level=logging.WARNING)
        self._channel = channel
        self._formatter = formatter

    def emit(self, record: logging.LogRecord) -> None:
        try:
            verbosity = self._formatter.verbosity
            if record.name == "py.warnings":
                message = record.getMessage().strip().splitlines()[0] if record.getMessage().strip() else ""
                if _is_resource_warning(message):
                    if verbosity >= _TRACEBACK_VERBOSITY:
                        self._channel.write_raw(self._formatter.verbose(message) + "\n")
                    return
                self._channel.write_raw(self._formatter.warning(message) + "\n")
                return
            if verbosity < _CONNECTION_VERBOSITY:
                return
            text = record.getMessage()
            if record.exc_info and verbosity >= _TRACEBACK_VERBOSITY:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            self._channel.write_raw(self._formatter.verbose(text) + "\n")
        except Exception:  # logging must never break the job
            pass


def _is_resource_warning(formatted: str) -> bool:
    """``warnings.formatwarning`` output is ``path:line: Category: message``."""
    return ": ResourceWarning: " in formatted


def route_logging(channel: DisplayChannel, formatter: Formatter) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(JobOutputHandler(channel, formatter))
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    _explain_unawaited_calls(channel, formatter)


def _explain_unawaited_calls(channel: DisplayChannel, formatter: Formatter) -> None:
    """Show Python's "coroutine ... was never awaited" for a module call as the script's mistake."""
    from .diagnostics import unawaited_call_warning

    show_as_log_record = warnings.showwarning

    def showwarning(
        message: Warning | str, category: type[Warning], filename: str, lineno: int, file: TextIO | None = None, line: str | None = None
    ) -> None:
        text = unawaited_call_warning(str(message)) if issubclass(category, RuntimeWarning) else None
        if text is None:
            show_as_log_record(message, category, filename, lineno, file, line)
        else:
            channel.write_raw(formatter.warning(text) + "\n")

    warnings.showwarning = showwarning
