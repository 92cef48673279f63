"""Keeps the protocol fd private: everything else the process prints is forwarded as plain text.

The executor inherits ansible-runner's pty as fds 0, 1 and 2. If the script, FTL2,
a warning, a logging handler or a subprocess (pip, uv, an Ansible module) wrote to
fd 1 or 2 directly, those bytes could land inside an event frame and corrupt it.
So at start-up we move the pty to a private fd that only ``DisplayChannel`` writes
to, point fds 1 and 2 at a pipe, and a thread forwards what arrives on the pipe to
the pty *between* frames (under the channel's lock). Upstream's OutputEventFilter
turns such unframed lines into ``verbose`` events — exactly what ansible-runner does
with ansible-playbook's own unframed output.

A partial line is forwarded after a short pause so interactive prompts (which
upstream answers from ``env/passwords``) still reach the pty.
"""

from __future__ import annotations

import os
import select
import sys
import threading

from .protocol import DisplayChannel

_PARTIAL_LINE_DELAY = 0.1
_READ_SIZE = 65536


class OutputCapture:
    """Redirects fds 1 and 2 into a pipe and forwards it to ``channel``."""

    def __init__(self) -> None:
        # Line-buffer Python's own streams so prints arrive in order with our events. Done
        # before fds 1 and 2 change: reconfiguring seeks on a stream it believes seekable.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.reconfigure(line_buffering=True, errors="backslashreplace")
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
        self._read_fd = read_fd
        self._channel: DisplayChannel | None = None
        self._thread: threading.Thread | None = None

    def start(self, channel: DisplayChannel) -> None:
        self._channel = channel
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

    def _forward(self) -> None:
        assert self._channel is not None
        pending = b""
        while True:
            timeout = _PARTIAL_LINE_DELAY if pending else None
            ready, _, _ = select.select([self._read_fd], [], [], timeout)
            if not ready:
                self._send(pending)
                pending = b""
                continue
            try:
                chunk = os.read(self._read_fd, _READ_SIZE)
            except InterruptedError:
                continue
            if not chunk:
                self._send(pending)
                return
            pending += chunk
            cut = pending.rfind(b"\n")
            if cut >= 0:
                self._send(pending[: cut + 1])
                pending = pending[cut + 1 :]

    def _send(self, data: bytes) -> None:
        if data and self._channel is not None:
            self._channel.write_raw(data.decode("utf-8", "replace"))
