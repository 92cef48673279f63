"""The executor's half of ansible-runner's display protocol.

ansible-runner learns about events from its child in two ways at once, and we
speak both exactly as its ``awx_display`` callback does:

1. The full event (``event``, ``pid``, ``uuid``, ``created``, ``parent_uuid``,
   ``event_data``) is written to ``$AWX_ISOLATED_DATA_DIR/job_events/<uuid>-partial.json``.
   awx_display writes a ``.tmp`` file and renames it; we write the final name directly,
   because the file is closed before its begin marker is written, and Runner opens it only
   after it has seen that marker (normally at the end marker, or when the output ends
   mid-frame): Runner can never see half a file. One file operation
   fewer per event matters, since creating a file is the largest cost of an event.
   Putting the whole event in the marker instead would also work, but it changes the key
   order of the events Runner emits (see below).
2. On the pty, the human-readable text is framed by two "invisible" ANSI markers:
   ``ESC[K`` + base64 chunks of ``{"uuid": U}`` each followed by ``ESC[<n>D`` + ``ESC[K``
   before the text, and the same encoding of ``{}`` after it.

Upstream's ``OutputEventFilter`` finds the markers, assigns ``counter``, ``stdout``,
``start_line`` and ``end_line`` from the text between them, and ``Runner`` merges the
partial file. Writing the partial file (rather than putting the whole event in the
marker) is what makes the key order of the final event identical to ansible-runner's.

Every frame (begin marker + text + end marker) is written with one lock held, on a file
descriptor nobody else writes to (see ``output_capture``), so a frame can never be split
by other output.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

_MARKER_WIDTH = 78
_ESC = "\x1b"


def encode_marker(data: Mapping[str, Any]) -> str:
    """Encode ``data`` as an awx_display marker: invisible on a terminal, parseable by runner."""
    return _encode_marker_text(json.dumps(data))


def _encode_marker_text(text: str) -> str:
    b64 = base64.b64encode(text.encode("utf-8")).decode("ascii")
    parts = [f"{_ESC}[K"]
    for start in range(0, len(b64), _MARKER_WIDTH):
        chunk = b64[start : start + _MARKER_WIDTH]
        parts.append(f"{chunk}{_ESC}[{len(chunk)}D")
    parts.append(f"{_ESC}[K")
    return "".join(parts)


END_MARKER = encode_marker({})


def utc_now_iso() -> str:
    """Timestamp format of awx_display's ``created`` (``datetime.now(timezone.utc).isoformat()``)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class DisplayChannel:
    """Writes text and events to the protocol file descriptor.

    When ``events_dir`` is None (the executor runs outside ansible-runner, e.g. from a
    shell), no markers or partial files are produced and the text is printed plainly,
    just as ``ansible-playbook`` with the default callback would.
    """

    def __init__(self, fd: int, events_dir: str | None, lock: threading.Lock | None = None):
        self._fd = fd
        self._events_dir = events_dir
        self.lock = lock or threading.Lock()
        # Called before every event, outside the lock: output_capture forwards what the job
        # printed so far, so that it is shown before the event (see OutputCapture.drain).
        self.before_event: Callable[[], None] | None = None
        if events_dir is not None:
            os.makedirs(events_dir, mode=0o700, exist_ok=True)

    @property
    def speaks_protocol(self) -> bool:
        return self._events_dir is not None

    def write_raw(self, text: str) -> None:
        """Write text outside any event frame (upstream turns it into ``verbose`` events)."""
        with self.lock:
            self._write_all(text.encode("utf-8", "replace"))

    def emit(self, event: dict[str, Any], text: str | None) -> None:
        """Emit one event: partial file, then begin marker, text, end marker.

        ``text`` is None for events that print nothing (e.g. ``runner_on_start``); otherwise
        a trailing newline is added, as Ansible's ``Display.display`` does.
        """
        body = "" if text is None else text + "\n"
        if self.before_event is not None:
            self.before_event()
        if self._events_dir is None:
            if body:
                self.write_raw(body)
            return
        self._write_partial(event)
        frame = encode_marker({"uuid": event["uuid"]}) + body + END_MARKER
        with self.lock:
            self._write_all(frame.encode("utf-8", "replace"))

    def _write_partial(self, event: dict[str, Any]) -> None:
        data = json.dumps(event, default=_json_default).encode("utf-8")
        path = os.path.join(self._events_dir, f"{event['uuid']}-partial.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write_fd(fd, data)
        finally:
            os.close(fd)

    def _write_all(self, data: bytes) -> None:
        _write_fd(self._fd, data)


def _write_fd(fd: int, data: bytes) -> None:
    """Write all of ``data`` (os.write may write less than asked, on a pty or a pipe)."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except InterruptedError:
            continue
        view = view[written:]


def _json_default(value: Any) -> Any:
    """Serialise what module results may contain (bytes, sets, datetimes) instead of failing."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)
