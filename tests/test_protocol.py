"""Our frames, decoded by upstream's OutputEventFilter, give back exactly the events we meant."""

from __future__ import annotations

import io
import json
import os

from ansible_runner.utils import OutputEventFilter

from ftl2_runner.executor.protocol import END_MARKER, DisplayChannel, encode_marker


def _filter(events):
    return OutputEventFilter(io.StringIO(), events.append, suppress_ansible_output=True)


def test_markers_are_upstream_compatible(tmp_path):
    read_fd, write_fd = os.pipe()
    channel = DisplayChannel(write_fd, str(tmp_path / "job_events"))
    channel.write_raw("plain line before\n")
    channel.emit({"event": "runner_on_ok", "uuid": "u-1", "event_data": {"x": 1}}, "ok: [h]")
    channel.emit({"event": "runner_on_start", "uuid": "u-2", "event_data": {}}, None)
    channel.emit({"event": "playbook_on_stats", "uuid": "u-3", "event_data": {}}, "\nPLAY RECAP ***\nh : ok=1\n")
    os.close(write_fd)
    data = os.read(read_fd, 1 << 20).decode()
    events = []
    f = _filter(events)
    f.write(data.replace("\n", "\r\n"))  # as the pty delivers it
    f.close()
    named = [(e.get("event", e.get("uuid")), e["stdout"], e["start_line"], e["end_line"]) for e in events if "uuid" in e]
    assert named[0][0] == "verbose" and named[0][1] == "plain line before"
    assert [(n[1], n[2], n[3]) for n in named[1:]] == [
        ("ok: [h]", 1, 2),
        ("", 2, 2),
        ("\r\nPLAY RECAP ***\r\nh : ok=1", 2, 6),
    ]
    assert [e["uuid"] for e in events if "uuid" in e][1:] == ["u-1", "u-2", "u-3"]
    partial = json.loads((tmp_path / "job_events" / "u-1-partial.json").read_text())
    assert partial == {"event": "runner_on_ok", "uuid": "u-1", "event_data": {"x": 1}}
    assert oct((tmp_path / "job_events" / "u-1-partial.json").stat().st_mode & 0o777) == "0o600"


def test_large_events_use_the_partial_file(tmp_path):
    read_fd, write_fd = os.pipe()
    channel = DisplayChannel(write_fd, str(tmp_path / "job_events"))
    big = {"event": "runner_on_ok", "uuid": "big-1", "event_data": {"res": {"stdout": "y" * 100_000}}}
    channel.emit(big, "ok: [h]")
    os.close(write_fd)
    data = b""
    while chunk := os.read(read_fd, 1 << 20):
        data += chunk
    events = []
    f = _filter(events)
    f.write(data.decode().replace("\n", "\r\n"))
    f.close()
    assert [e["uuid"] for e in events if "uuid" in e] == ["big-1"]
    partial_path = tmp_path / "job_events" / "big-1-partial.json"
    assert json.loads(partial_path.read_text()) == big
    assert oct(partial_path.stat().st_mode & 0o777) == "0o600"


def test_long_markers_are_split_in_78_char_chunks():
    import base64
    import re

    marker = encode_marker({"uuid": "x" * 200})
    body = re.fullmatch(r"\x1b\[K((?:[A-Za-z0-9+/=]+\x1b\[\d+D)+)\x1b\[K", marker).group(1)
    chunks = re.findall(r"([A-Za-z0-9+/=]+)\x1b\[(\d+)D", body)
    assert len(chunks) == 4 and all(len(text) == int(n) for text, n in chunks)
    assert [len(text) for text, _ in chunks[:-1]] == [78, 78, 78]
    assert json.loads(base64.b64decode("".join(text for text, _ in chunks))) == {"uuid": "x" * 200}
    assert END_MARKER == "\x1b[Ke30=\x1b[4D\x1b[K"


def test_without_events_dir_text_is_plain(tmp_path):
    read_fd, write_fd = os.pipe()
    channel = DisplayChannel(write_fd, None)
    channel.emit({"event": "runner_on_ok", "uuid": "u"}, "ok: [h]")
    channel.emit({"event": "runner_on_start", "uuid": "v"}, None)
    os.close(write_fd)
    assert os.read(read_fd, 1000) == b"ok: [h]\n"
