"""Keeps the protocol fd private: everything else the process prints is forwarded as plain text.

The executor inherits ansible-runner's pty as fds 0, 1 and 2. If the script, FTL2,
a warning, a logging handler or a subprocess (pip, uv, an Ansible module) wrote to
fd 1 or 2 directly, those bytes could land inside an event frame and corrupt it.
So at start-up we move the pty to a private fd that only ``DisplayChannel`` writes
to, point fds 1 and 2 at a pipe, and a thread forwards what arrives on the pipe to
the pty *between* frames, each piece framed as a ``verbose`` event of its own with its
markers defused (``DisplayChannel.forward``): nothing the job prints can forge an
event, and every printed line reaches the events, the ``stdout`` artifact and the
console (upstream's filter drops plain lines that share a read with a marker).

A partial line is forwarded after a short pause so interactive prompts (which
upstream answers from ``env/passwords``) still reach the pty.

Order: before every event frame, ``DisplayChannel`` calls ``drain``, which flushes
Python's streams and forwards whatever is already in the pipe, partial line included.
So a print, an ``os.write`` or a finished subprocess's output is shown before the
events that came after it, as in ansible-playbook's output, instead of whenever the
forwarding thread next runs (which could be after the next task, or after PLAY RECAP).
The price: the job waits while its earlier output is written to the pty, as
ansible-playbook does. Only a thread printing without pause all through a job
notices (a job body with one took 7.8 s instead of 3.0 s).
"""

from __future__ import annotations

import array
import codecs
import fcntl
import io
import os
import select
import sys
import termios
import threading
from typing import TextIO

from .protocol import DisplayChannel

_PARTIAL_LINE_DELAY = 0.1
_READ_SIZE = 65536


class OutputCapture:
    """Redirects fds 1 and 2 into a pipe and forwards it to ``channel``."""

    def __init__(self) -> None:
        # Line-buffer Python's own streams so prints arrive in order with our events. Done
        # before fds 1 and 2 change: reconfiguring seeks on a stream it believes seekable.
        sys.stdout, sys.stderr = _complete_writes(sys.stdout), _complete_writes(sys.stderr)
        # typeshed marks sys.__stdout__ and sys.__stderr__ Final; CPython lets them be rebound.
        sys.__stdout__, sys.__stderr__ = sys.stdout, sys.stderr  # type: ignore[misc,assignment]
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.reconfigure(line_buffering=True, errors="backslashreplace")  # type: ignore[attr-defined]
            except (AttributeError, ValueError, OSError):
                pass
        sys.stdout.flush()
        sys.stderr.flush()
        self.protocol_fd = os.dup(1)
        os.set_inheritable(self.protocol_fd, False)
        read_fd, write_fd = os.pipe()
        os.set_inheritable(read_fd, False)
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        os.set_blocking(read_fd, False)  # two readers (drain and the thread) take what is there
        self._read_fd = read_fd
        self._read_lock = threading.Lock()
        self._pending = bytearray()  # appended to in place: `bytes +=` copied a long line once per read
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._channel: DisplayChannel | None = None
        self._tty: object | None = None
        self._thread: threading.Thread | None = None

    def start(self, channel: DisplayChannel) -> None:
        self._channel = channel
        channel.before_event = self.drain
        if channel.speaks_protocol:
            from .tty_relay import TtyRelay

            self._tty = TtyRelay.install(self.protocol_fd)  # /dev/tty must not bypass the capture
        self._thread = threading.Thread(target=self._forward, name="ftl2-runner-output", daemon=True)
        self._thread.start()

    def flush(self, timeout: float = 1.0) -> None:
        """Forward everything written so far, then stop.

        Our own copies of fds 1 and 2 are closed so the reader sees EOF; a background
        process the script left running may still hold the pipe, hence the timeout.
        """
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
        if self._thread is not None:
            self._thread.join(timeout)

    def close_channel(self) -> None:
        """After ``flush``: the channel's partial-file slots go (a late line still gets its file)."""
        if self._channel is not None:
            self._channel.close()

    def drain(self) -> None:
        """Forward everything already written to fds 1 and 2, a partial line included."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        with self._read_lock:
            # Only what is in the pipe now: a thread that never stops printing must not keep
            # the event (and the job) waiting; what it prints later follows the event.
            self._read_available(_bytes_in_pipe(self._read_fd))
            self._send(self._pending)
            self._pending.clear()

    def _read_available(self, limit: int | None = None) -> bool:
        """Append what the pipe holds (at most ``limit`` bytes) to ``_pending``; False at EOF."""
        while limit is None or limit > 0:
            try:
                chunk = os.read(self._read_fd, _READ_SIZE if limit is None else min(limit, _READ_SIZE))
            except BlockingIOError:
                return True
            except InterruptedError:
                continue
            if not chunk:
                return False
            self._pending += chunk  # bytearray: in place
            if limit is not None:
                limit -= len(chunk)
        return True

    def _forward(self) -> None:
        try:
            self._forward_until_eof()
        except BaseException:
            # Nothing the job prints could be forwarded any more: it would block on its next print
            # with the pipe full, and the worker would wait for ever. (A full disk is reported by
            # the channel itself, which ends the executor before this.)
            os._exit(1)

    def _forward_until_eof(self) -> None:
        assert self._channel is not None
        while True:
            timeout = _PARTIAL_LINE_DELAY if self._pending else None
            ready, _, _ = select.select([self._read_fd], [], [], timeout)
            with self._read_lock:
                if not ready:  # a partial line that nothing completed: a prompt, most likely
                    self._send(self._pending)
                    self._pending.clear()
                    continue
                held = len(self._pending)  # holds no newline: what came before it has been sent
                still_open = self._read_available()
                cut = self._pending.rfind(b"\n", held)  # only the new bytes: a long line is scanned once
                if cut >= 0:
                    self._send(self._pending[: cut + 1])
                    del self._pending[: cut + 1]
                if not still_open:
                    self._send(self._pending)
                    self._pending.clear()
                    rest = self._decoder.decode(b"", final=True)
                    if rest and self._channel is not None:
                        self._channel.forward(rest)
                    return

    def _send(self, data: bytes | bytearray) -> None:
        if data and self._channel is not None:
            self._channel.forward(self._decode(data))

    def _decode(self, data: bytes | bytearray) -> str:
        """UTF-8 text; a character split across two reads is kept for the next one, not replaced."""
        return self._decoder.decode(data)


def _complete_writes(stream: TextIO) -> TextIO:
    """``stream``, or the same stream rebuilt so that a partial write never drops the rest.

    Under ``-u`` / ``PYTHONUNBUFFERED`` (set on many machines and images) CPython gives
    stdout and stderr no buffered layer: the text layer writes straight to a ``FileIO``
    and ignores how much ``os.write`` took. A blocking write to our pipe that a signal
    interrupts takes only part of the text, and the rest was lost (a script printing
    50 MB without a newline reached the events with 30 MB of it). A ``BufferedWriter``
    retries until everything is written; ``write_through`` keeps the stream unbuffered.
    """
    if not isinstance(stream, io.TextIOWrapper) or not isinstance(stream.buffer, io.RawIOBase):
        return stream
    try:
        stream.flush()
        raw = io.FileIO(stream.fileno(), "w", closefd=False)
    except (ValueError, OSError):
        return stream
    _replaced.append(stream)  # whoever still holds it (a logging handler) can keep writing: never closed
    return io.TextIOWrapper(
        io.BufferedWriter(raw), encoding=stream.encoding, errors=stream.errors, newline="\n", line_buffering=True, write_through=True
    )


_replaced: list[TextIO] = []


def _bytes_in_pipe(fd: int) -> int:
    count = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return count[0]
