"""The worker's stdout, written by a thread in as few writes as it can: Receptor opens it ``O_SYNC``.

Receptor's command runner gives the worker a regular file opened ``O_CREATE|O_WRONLY|O_SYNC``
(pkg/workceptor/command.go, ``commandRunner``), so every ``write(2)`` waits for the disk.
Upstream's ``Worker`` writes and flushes each event line on its own: 10,000 events were
10,000 synchronous writes, and the worker that streams them 10.2 s instead of 4-6 s on a pipe.

Here ``write`` appends to a buffer and ``flush`` wakes a writer thread, which empties the
whole buffer with one write per pass: the lines that arrive while one synchronous write is
in progress go out together in the next. Nothing waits for a timer (an idle stream still
writes each line at once), and the bytes and their order are the caller's. ``drain`` waits
until everything written so far is in the file: the worker drains after every status line,
after the artifacts and after the eof, so none of them is ever held back. A writer that falls
behind slows the caller down (at most ``BACKLOG`` bytes wait), and a failed write is raised
in the caller's thread at its next call, as the unwrapped file would have raised it.

Only a stream whose writes wait for the disk (``O_SYNC`` or ``O_DSYNC``) is coalesced. On a
pipe (a container group's pod, ``ftl2-runner worker`` in a shell pipeline) or an ordinary file a
write is cheap, and a writer thread would only cost CPU (10-20 % more for 10,000 events on a
pipe, at the same wall time): there every call goes straight to the stream, as before.
"""

from __future__ import annotations

import fcntl
import io
import os
import threading
from typing import Any, BinaryIO

BACKLOG = 1 << 20  # bytes the caller may get ahead of the file before write() waits


def writes_wait_for_the_disk(stream: Any) -> bool:
    """True when ``stream`` is a descriptor opened ``O_SYNC`` or ``O_DSYNC``, as Receptor opens stdout."""
    try:
        flags = fcntl.fcntl(stream.fileno(), fcntl.F_GETFL)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False
    return bool(flags & os.O_DSYNC)  # O_SYNC is O_DSYNC plus a bit of its own


class CoalescedOutput:
    """A write-only binary stream over ``raw`` that turns many small flushed writes into few.

    ``coalesce``: None decides by ``writes_wait_for_the_disk(raw)``; False passes every call
    straight to ``raw``.
    """

    def __init__(self, raw: BinaryIO, coalesce: bool | None = None):
        self.raw = raw
        self._ready = threading.Condition()
        self._pending = bytearray()
        self._writing = False
        self._error: BaseException | None = None
        self._direct = not (writes_wait_for_the_disk(raw) if coalesce is None else coalesce)
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def coalescing(self) -> bool:
        return not self._direct

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._direct:  # not coalesced, or after close(): straight through, as the unwrapped stream
            return self.raw.write(data)
        with self._ready:
            while len(self._pending) >= BACKLOG and self._error is None:
                self._start()
                self._ready.notify_all()
                self._ready.wait()
            self._raise_failure()
            self._pending += data
        return len(data)

    def flush(self) -> None:
        """Hand what was written to the writer thread; it is written without waiting for more."""
        if self._direct:
            self.raw.flush()
            return
        with self._ready:
            self._raise_failure()
            if self._pending:
                self._start()
                self._ready.notify_all()

    def drain(self) -> None:
        """Return once every byte written so far is written to ``raw`` and flushed."""
        if self._direct:
            self.raw.flush()
            return
        with self._ready:
            if self._pending:
                self._start()
                self._ready.notify_all()
            while (self._pending or self._writing) and self._error is None:
                self._ready.wait()
            self._raise_failure()

    def close(self) -> None:
        """Drain, then stop the writer thread; later calls go straight to ``raw``, which stays open
        (it is the caller's)."""
        if self._direct:
            return
        try:
            self.drain()
        finally:
            with self._ready:
                self._stopping = self._direct = True
                self._ready.notify_all()
            if self._thread is not None:
                self._thread.join()

    def writable(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)  # fileno(), name, mode...: those of the real stream

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._write_out, name="ftl2-runner-stdout", daemon=True)
            self._thread.start()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _write_out(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._stopping:
                    self._ready.wait()
                if not self._pending:
                    return
                data, self._pending = bytes(self._pending), bytearray()
                self._writing = True
                self._ready.notify_all()  # room in the backlog
            try:
                self.raw.write(data)
                self.raw.flush()
            except BaseException as exc:  # raised in the caller's thread (write, flush, drain)
                with self._ready:
                    self._error = exc
                    self._writing = False
                    self._ready.notify_all()
                return
            with self._ready:
                self._writing = False
                self._ready.notify_all()
