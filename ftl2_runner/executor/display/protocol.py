"""The executor's half of ansible-runner's display protocol.

ansible-runner learns about events from its child through the pty: the human-readable
text is framed by two "invisible" ANSI markers, ``ESC[K`` + base64 chunks of a JSON object
each followed by ``ESC[<n>D`` + ``ESC[K`` before the text, and the same encoding of ``{}``
after it. Upstream's ``OutputEventFilter`` finds the markers, takes the begin marker's
object as the event, assigns ``counter``, ``stdout``, ``start_line`` and ``end_line`` from
the text between them, and ``Runner.event_callback`` adds ``runner_ident`` and merges
``$AWX_ISOLATED_DATA_DIR/job_events/<uuid>-partial.json`` when there is one.

ansible-runner's ``awx_display`` callback puts only ``{"uuid": U}`` in the marker and the
event in the partial file. We put a small event in the marker itself, and no file is
written, read or deleted (creating the file was the largest cost of an event: 64-330 µs on
this VM's disk). The marker's object starts with the keys Runner's merge of a partial file
puts first (``uuid``, ``counter``, ``stdout``, ``start_line``, ``end_line``,
``runner_ident``, with placeholders that the filter and Runner always overwrite in place),
followed by the event's own keys in their order, so the event Runner emits has the same
keys in the same order as with a partial file. A partial file is still written:

* for an event whose JSON is longer than ``MARKER_EVENT_LIMIT`` (a large module result):
  the marker would be held whole, and searched, by the filter and by ``RunnerSpawn``;
* for ``verbose`` events: the filter gives an event that says ``"event": "verbose"`` in its
  marker a new uuid (it takes such markers for its own plain-text lines), so the event's
  ``uuid`` would no longer match ``event_data.uuid``;
* when ``FTL2_RUNNER_EVENT_FILES=1`` is set (by ``Ftl2RunnerConfig`` when upstream would
  object to a missing partial file: ``check_job_event_data``, or ``--debug``, where Runner
  logs each missing file).

A partial file is complete before its begin marker is written, and Runner opens it only
after it has seen that marker: Runner can never see half a file. It is written on a reused
inode rather than a new file (``partial_files``: creating files was most of an event's cost).

Every frame (begin marker + text + end marker) is written with one lock held, on a file
descriptor nobody else writes to (see ``output_capture``), so a frame can never be split
by other output.

No text can forge a frame. Upstream's filter recognises a marker by ``ESC[K`` followed by
base64 and ``ESC[<n>D``; ansible-playbook never lets a module's bytes reach the pty raw, but a
script's prints and its subprocesses' output do reach it here. So every ``ESC[K`` in text we
write (forwarded output, and module text inside our own frames) is written as ``ESC[0K``,
the same terminal command (erase to the end of the line) that no marker starts with,
including an ``ESC[`` + ``K`` split across two writes.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from .partial_files import PartialFileWriter, write_all

_MARKER_WIDTH = 78
_ESC = "\x1b"
RC_STOPPED = 1  # the executor's exit code when it stops a job it cannot report (see _stop_the_job)
MARKER_EVENT_LIMIT = 5000  # bytes of JSON: its marker (about 7 KiB) stays within RunnerSpawn's carry
EVENT_FILES_VARIABLE = "FTL2_RUNNER_EVENT_FILES"
# What Runner's merge of a partial file puts first, in this order; each is overwritten in place.
_MERGED_FIRST = {"counter": 0, "stdout": "", "start_line": 0, "end_line": 0, "runner_ident": ""}


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
_MARKER_ESCAPE = re.compile(r"\x1b\[K")


def defuse_markers(text: str, written_before: str = "") -> str:
    """``text`` with every ``ESC[K`` written ``ESC[0K``, also one that starts in ``written_before``.

    ``written_before`` is the end of what was already written (at most ``ESC[``); it is
    not returned, only taken into account.
    """
    combined = written_before + text
    if "\x1b" not in combined:
        return text
    return _MARKER_ESCAPE.sub("\x1b[0K", combined)[len(written_before) :]


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
        # Builds the partial event for output the job printed (PlaybookRecorder sets it).
        self.forwarded_event: Callable[[], dict[str, Any]] | None = None
        # Builds an ``error`` event and its text (PlaybookRecorder sets it): see ``_stop_the_job``.
        self.error_event: Callable[[str], tuple[dict[str, Any], str]] | None = None
        self._tail = ""  # the last two characters written: a marker may start there
        self.events_in_markers = os.environ.get(EVENT_FILES_VARIABLE) != "1"
        self._partial_files: PartialFileWriter | None = None
        if events_dir is not None:
            os.makedirs(events_dir, mode=0o700, exist_ok=True)
            self._partial_files = PartialFileWriter(events_dir)

    @property
    def speaks_protocol(self) -> bool:
        return self._events_dir is not None

    def write_raw(self, text: str) -> None:
        """Write text outside any event frame (upstream turns it into ``verbose`` events)."""
        with self.lock:
            self._write_text(text)

    def forward(self, text: str) -> None:
        """Write output the job printed, each line as a ``verbose`` event of its own.

        Framed rather than written plainly because upstream's filter drops plain lines
        that arrive in one read with a following marker from the ``stdout`` artifact and
        the console (upstream's ``OutputEventFilter``); in a frame every line reaches both,
        and one event per line is what the filter makes of plain lines. The text is
        written exactly as printed: no newline is added to a partial line (a prompt).
        """
        if self._events_dir is None or self.forwarded_event is None:
            self.write_raw(text)
            return
        frames = [self._forwarded_frame(line) for line in text.splitlines(keepends=True)]
        with self.lock:
            if len(frames) == 1:  # one (possibly very long) line: written without a joined copy
                for piece in frames[0]:
                    self._write_all(piece)
            else:  # a burst of prints: all its frames in one write
                self._write_all(b"".join(piece for frame in frames for piece in frame))
            self._tail = END_MARKER[-2:]

    def _forwarded_frame(self, line: str) -> tuple[bytes, bytes, bytes]:
        """Begin marker, defused text, end marker of one printed line; its partial file is written."""
        assert self.forwarded_event is not None
        event = self.forwarded_event()
        return (self._begin_marker(event).encode("ascii"), defuse_markers(line).encode("utf-8", "replace"), END_MARKER.encode("ascii"))

    def _write_text(self, text: str) -> None:
        safe = defuse_markers(text, self._tail)
        self._write_all(safe.encode("utf-8", "replace"))
        self._tail = (self._tail + safe)[-2:]

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
        frame = self._begin_marker(event) + defuse_markers(body) + END_MARKER
        with self.lock:
            self._write_all(frame.encode("utf-8", "replace"))
            self._tail = END_MARKER[-2:]

    def _begin_marker(self, event: dict[str, Any]) -> str:
        """The begin marker of ``event``: the whole event when it may travel there, else its
        uuid, after its partial file has been written (see the module's docstring)."""
        if self.events_in_markers and event.get("event") != "verbose":
            carried = {"uuid": event["uuid"], **_MERGED_FIRST}
            carried.update((key, value) for key, value in event.items() if key != "uuid")
            text = json.dumps(carried, default=_json_default)
            if len(text) <= MARKER_EVENT_LIMIT:  # ASCII (ensure_ascii): characters are bytes
                return _encode_marker_text(text)
        self._write_partial(event)
        return encode_marker({"uuid": event["uuid"]})

    def _write_partial(self, event: dict[str, Any]) -> None:
        assert self._partial_files is not None  # callers write partials only when speaking the protocol
        try:
            self._partial_files.write(f"{event['uuid']}-partial.json", json.dumps(event, default=_json_default).encode("utf-8"))
        except OSError as exc:
            self._stop_the_job(exc)

    def _stop_the_job(self, exc: OSError) -> NoReturn:
        """An event file cannot be written (a full disk, EIO, a disk quota): the job stops and says why.

        Going on is not possible: the event cannot reach Runner, and when it was a printed line
        the capture thread died with it and the script then blocked for ever on its next
        ``print`` (the worker waited as ``running``, no eof). So the executor writes one
        ``error`` event whole in its begin marker (it needs no file) and exits at once with
        ``RC_STOPPED``: the worker reports ``failed`` and the reason, and ends with eof.
        """
        reason = exc.strerror or str(exc)
        where = exc.filename or self._events_dir
        message = (
            f"ftl2-runner stopped the job: it cannot write the job's events ({reason}: {where}). "
            "Free space on the execution node (or raise its quota) and run the job again."
        )
        try:
            if self.error_event is not None:
                event, text = self.error_event(message)
                carried = {"uuid": event["uuid"], **_MERGED_FIRST}
                carried.update((key, value) for key, value in event.items() if key != "uuid")
                frame = _encode_marker_text(json.dumps(carried, default=_json_default)) + defuse_markers(text + "\n") + END_MARKER
            else:
                frame = defuse_markers(message + "\n")
            if self.lock.acquire(timeout=5):  # another thread may be in the middle of a frame
                write_all(self._fd, frame.encode("utf-8", "replace"))
        finally:
            os._exit(RC_STOPPED)

    def close(self) -> None:
        """The job is over: give back what writing partial files holds (see ``partial_files``)."""
        if self._partial_files is not None:
            self._partial_files.close()

    def _write_all(self, data: bytes) -> None:
        write_all(self._fd, data)


def _json_default(value: Any) -> Any:
    """Serialise what module results may contain (bytes, sets, datetimes) instead of failing."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)
