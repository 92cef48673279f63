"""Our frames, decoded by upstream's OutputEventFilter, give back exactly the events we meant."""

from __future__ import annotations

import io
import json
import os

from ansible_runner.utils import OutputEventFilter

from ftl2_runner.executor.display.protocol import END_MARKER, DisplayChannel, encode_marker


def _filter(events):
    return OutputEventFilter(io.StringIO(), events.append, suppress_ansible_output=True)


def _frames(tmp_path, name, emit, events_in_markers=True):
    """What ``emit(channel)`` writes, decoded by upstream's filter and merged by upstream's Runner.

    Returns the events Runner hands on (its ``event_handler``) and the partial files that
    were left for Runner to read.
    """
    from types import SimpleNamespace

    from ansible_runner.runner import Runner

    artifact_dir = tmp_path / name
    read_fd, write_fd = os.pipe()
    channel = DisplayChannel(write_fd, str(artifact_dir / "job_events"))
    channel.events_in_markers = events_in_markers
    emit(channel)
    os.close(write_fd)
    data = b""
    while chunk := os.read(read_fd, 1 << 20):
        data += chunk
    os.close(read_fd)
    partials = sorted(path.name for path in (artifact_dir / "job_events").glob("*-partial.json"))
    merged = []
    config = SimpleNamespace(artifact_dir=str(artifact_dir), ident="job-1", check_job_event_data=False)
    runner = Runner(config, event_handler=merged.append)
    f = OutputEventFilter(io.StringIO(), runner.event_callback, suppress_ansible_output=True)
    text = data.decode().replace("\n", "\r\n")  # as the pty delivers it
    for start in range(0, len(text), 2000):  # in pexpect's reads (maxread 2000)
        f.write(text[start : start + 2000])
    f.close()
    return merged, partials


def _three_events(channel):
    channel.write_raw("plain line before\n")
    channel.emit(
        {
            "event": "runner_on_ok",
            "pid": 7,
            "uuid": "u-1",
            "created": "2026-01-01T00:00:00+00:00",
            "parent_uuid": "t-1",
            "event_data": {"x": 1, "text": "caf\u00e9 \x1b[K"},
        },
        "ok: [h]",
    )
    channel.emit({"event": "runner_on_start", "pid": 7, "uuid": "u-2", "created": "2026-01-01T00:00:01+00:00", "event_data": {}}, None)
    channel.emit(
        {"event": "playbook_on_stats", "pid": 7, "uuid": "u-3", "created": "2026-01-01T00:00:02+00:00", "event_data": {}},
        "\nPLAY RECAP ***\nh : ok=1\n",
    )


def test_markers_are_upstream_compatible(tmp_path):
    merged, partials = _frames(tmp_path, "a", _three_events)
    named = [(e["event"], e["stdout"], e["start_line"], e["end_line"]) for e in merged]
    assert named[0][:2] == ("verbose", "plain line before")
    assert named[1:] == [
        ("runner_on_ok", "ok: [h]", 1, 2),
        ("runner_on_start", "", 2, 2),
        ("playbook_on_stats", "\r\nPLAY RECAP ***\r\nh : ok=1", 2, 6),
    ]
    assert [e["uuid"] for e in merged][1:] == ["u-1", "u-2", "u-3"]
    assert merged[1]["event_data"] == {"x": 1, "text": "caf\u00e9 \x1b[K"} and merged[1]["runner_ident"] == "job-1"
    assert partials == []  # small events travel in their marker


def test_events_in_markers_are_the_events_partial_files_give(tmp_path):
    """Same values and the same key order as awx_display's way (a partial file per event),
    through upstream's filter and ``Runner.event_callback``."""
    in_markers, partials = _frames(tmp_path, "markers", _three_events)
    in_files, file_partials = _frames(tmp_path, "files", _three_events, events_in_markers=False)
    assert partials == [] and file_partials == ["u-1-partial.json", "u-2-partial.json", "u-3-partial.json"]
    assert [list(e) for e in in_markers[1:]] == [list(e) for e in in_files[1:]]
    assert list(in_markers[1]) == [
        "uuid",
        "counter",
        "stdout",
        "start_line",
        "end_line",
        "runner_ident",
        "event",
        "pid",
        "created",
        "parent_uuid",
        "event_data",
    ]
    assert in_markers[1:] == in_files[1:]
    assert list(in_markers[0]) == list(in_files[0])  # the plain line: its uuid and time are the filter's and Runner's
    assert not list((tmp_path / "files" / "job_events").glob("*-partial.json"))  # Runner removed what it read


def test_verbose_events_keep_their_partial_file(tmp_path):
    """The filter gives a marker saying ``"event": "verbose"`` a new uuid: such events keep the file."""

    def emit(channel):
        channel.emit(
            {"event": "verbose", "pid": 7, "uuid": "v-1", "created": "2026-01-01T00:00:00+00:00", "event_data": {"uuid": "v-1"}}, "said"
        )

    merged, partials = _frames(tmp_path, "v", emit)
    assert partials == ["v-1-partial.json"]
    assert [(e["event"], e["uuid"], e["event_data"]["uuid"], e["stdout"]) for e in merged] == [("verbose", "v-1", "v-1", "said")]


def test_event_files_variable_writes_every_partial_file(tmp_path, monkeypatch):
    monkeypatch.setenv("FTL2_RUNNER_EVENT_FILES", "1")
    assert DisplayChannel(1, str(tmp_path)).events_in_markers is False
    monkeypatch.delenv("FTL2_RUNNER_EVENT_FILES")
    assert DisplayChannel(1, str(tmp_path)).events_in_markers is True


def test_large_events_use_the_partial_file(tmp_path):
    read_fd, write_fd = os.pipe()
    channel = DisplayChannel(write_fd, str(tmp_path / "job_events"))
    big = {"event": "runner_on_ok", "uuid": "big-1", "event_data": {"res": {"stdout": "y" * 100_000}}}
    small = {"event": "runner_on_ok", "uuid": "small-1", "event_data": {"res": {"stdout": "y" * 4500}}}
    channel.emit(small, "ok: [h]")  # just within the limit: in its marker
    channel.emit(big, "ok: [h]")
    os.close(write_fd)
    data = b""
    while chunk := os.read(read_fd, 1 << 20):
        data += chunk
    events = []
    f = _filter(events)
    f.write(data.decode().replace("\n", "\r\n"))
    f.close()
    assert [e["uuid"] for e in events if "uuid" in e] == ["small-1", "big-1"]
    assert events[0]["event_data"] == small["event_data"]
    assert [path.name for path in (tmp_path / "job_events").glob("*-partial.json")] == ["big-1-partial.json"]
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


def test_the_largest_event_marker_stays_within_what_runner_spawn_holds_back():
    """RunnerSpawn keeps a marker cut short by a read (up to _MAX_CARRY) out of the password search."""
    from ftl2_runner.executor.display.protocol import MARKER_EVENT_LIMIT, _encode_marker_text
    from ftl2_runner.processes.runner_spawn import _MAX_CARRY

    assert len(_encode_marker_text("x" * MARKER_EVENT_LIMIT)) <= _MAX_CARRY
