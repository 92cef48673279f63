"""Turns what a script passes to ``runner.emit_event`` into an event AWX accepts.

Scripts written for FTL2 runners emit progress like
``runner.emit_event({"event": "custom_progress", "message": "Phase 1 complete"})``.
AWX stores an event only under a name it knows (``BasePlaybookEvent.EVENT_TYPES``); an
unknown name breaks its ``children_summary`` and host counters, and a known name with
no ``stdout`` shows nothing. So: the text shown is ``stdout``, else ``message``, else
``msg``; every other key (``message`` included) is kept in ``event_data``; and a name
AWX does not accept becomes ``verbose`` — a plain output line in AWX — with the
script's name kept in ``event_data["custom_event"]``. So does ``playbook_on_stats``: the recap is
the executor's alone. AWX ends a job's processing at its stats (and refuses stats that are not
per-host counts), and the worker tells an executor that finished from one that died by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..display.events import AWX_EVENT_NAMES

FALLBACK_EVENT = "verbose"
ORIGINAL_NAME_KEY = "custom_event"
_TEXT_KEYS = ("stdout", "message", "msg")
_ENVELOPE_KEYS = ("event", "stdout", "event_data")
RESERVED_EVENTS = frozenset({"playbook_on_stats"})  # the executor's own recap (see the module's docstring)


def shape_custom_event(event: Mapping[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    """``(event name AWX accepts, event_data, text for the job output)``."""
    if not isinstance(event, Mapping):
        raise TypeError(
            f"runner.emit_event() takes a dict such as {{'event': 'custom_progress', 'message': '...'}}, not {type(event).__name__}"
        )
    name = str(event.get("event") or FALLBACK_EVENT)
    given = event.get("event_data")
    if given is not None and not isinstance(given, Mapping):
        raise TypeError(f"runner.emit_event(): event_data must be a dict, not {type(given).__name__}")
    data: dict[str, Any] = dict(given or {})
    for key, value in event.items():
        if key not in _ENVELOPE_KEYS:
            data[str(key)] = value
    text = next((event[key] for key in _TEXT_KEYS if event.get(key) is not None), None)
    if name not in AWX_EVENT_NAMES or name in RESERVED_EVENTS:
        data[ORIGINAL_NAME_KEY] = name
        name = FALLBACK_EVENT
    return name, data, None if text is None else str(text)
