"""ftl2_runner.processes.stream_output: the worker's stdout, coalesced for Receptor's O_SYNC file.

What must hold: the bytes and their order are the caller's; lines that arrive while a write is in
progress go out together; ``drain`` returns only once everything is written (so a status or the eof
is never held back); a failed write is raised in the caller's thread; after ``close`` writes go
straight through; only a stream opened O_SYNC/O_DSYNC is coalesced.
"""

from __future__ import annotations

import errno
import io
import os
import threading
import time

import pytest

from ftl2_runner.processes.stream_output import CoalescedOutput, writes_wait_for_the_disk


class RecordingFile(io.RawIOBase):
    """A raw file that records each write; ``hold`` makes writes wait until released."""

    def __init__(self, delay: float = 0.0, fd: int | None = None):
        self.fd = fd  # a descriptor to show as fileno() (its open flags decide whether to coalesce)
        self.writes: list[bytes] = []
        self.flushes = 0
        self.delay = delay
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        if self.fd is None:
            raise io.UnsupportedOperation("fileno")
        return self.fd

    def write(self, data) -> int:
        self.entered.set()
        self.release.wait(10)
        time.sleep(self.delay)
        self.writes.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        self.flushes += 1

    @property
    def data(self) -> bytes:
        return b"".join(self.writes)


def test_lines_that_arrive_during_a_write_go_out_together_in_order():
    raw = RecordingFile()
    raw.release.clear()
    out = CoalescedOutput(raw, coalesce=True)
    out.write(b'{"event": "first"}\n')
    out.flush()
    assert raw.entered.wait(10)  # the writer thread is in the (slow, O_SYNC) write of the first line
    lines = [b'{"counter": %d}\n' % n for n in range(100)]
    for line in lines:
        out.write(line)
        out.flush()
    raw.release.set()
    out.drain()
    assert raw.data == b'{"event": "first"}\n' + b"".join(lines)
    assert raw.writes == [b'{"event": "first"}\n', b"".join(lines)]  # 101 flushed lines, 2 writes
    out.close()


def test_drain_returns_only_when_everything_is_written_and_flushed():
    raw = RecordingFile(delay=0.05)
    out = CoalescedOutput(raw, coalesce=True)
    for n in range(3):
        out.write(b"line %d\n" % n)
        out.flush()
    out.write(b'{"status": "successful"}\n')
    out.drain()
    assert raw.data.endswith(b'{"status": "successful"}\n') and raw.flushes >= 1
    out.close()


def test_a_failed_write_is_raised_in_the_callers_thread():
    class Broken(RecordingFile):
        def write(self, data) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    out = CoalescedOutput(Broken(), coalesce=True)
    out.write(b"line\n")
    with pytest.raises(BrokenPipeError):
        out.drain()
    with pytest.raises(BrokenPipeError):
        out.write(b"more\n")
    with pytest.raises(BrokenPipeError):
        out.close()


def test_after_close_writes_go_straight_through():
    raw = RecordingFile()
    out = CoalescedOutput(raw, coalesce=True)
    out.write(b"a\n")
    out.close()
    assert raw.data == b"a\n"
    out.write(b"b\n")
    assert raw.data == b"a\nb\n"  # no thread left to wait for


def test_a_writer_far_ahead_of_the_file_waits():
    from ftl2_runner.processes import stream_output

    raw = RecordingFile()
    raw.release.clear()
    out = CoalescedOutput(raw, coalesce=True)
    out.write(b"x")
    out.flush()
    assert raw.entered.wait(10)
    chunk = b"y" * stream_output.BACKLOG
    out.write(chunk)  # the backlog is now full
    done = threading.Event()
    threading.Thread(target=lambda: (out.write(b"z"), done.set()), daemon=True).start()
    assert not done.wait(0.3)  # held until the file catches up
    raw.release.set()
    assert done.wait(10)
    out.close()
    assert raw.data == b"x" + chunk + b"z"


def test_only_a_stream_whose_writes_wait_for_the_disk_is_coalesced(tmp_path):
    synchronous = os.open(tmp_path / "stdout", os.O_CREAT | os.O_WRONLY | os.O_SYNC, 0o600)
    plain = os.open(tmp_path / "plain", os.O_CREAT | os.O_WRONLY, 0o600)
    reader, writer = os.pipe()
    try:
        assert writes_wait_for_the_disk(RecordingFile(fd=synchronous))  # Receptor's stdout
        assert not writes_wait_for_the_disk(RecordingFile(fd=plain))
        assert not writes_wait_for_the_disk(RecordingFile(fd=writer))  # a pod's stdout, a shell pipeline
        assert not writes_wait_for_the_disk(io.BytesIO())  # the Python API's own stream
        direct = RecordingFile(fd=writer)
        out = CoalescedOutput(direct)
        assert not out.coalescing
        out.write(b"line\n")
        assert direct.writes == [b"line\n"]  # at once, in the caller's thread
        assert CoalescedOutput(RecordingFile(fd=synchronous)).coalescing
    finally:
        for fd in (synchronous, plain, reader, writer):
            os.close(fd)


def test_the_worker_never_holds_back_a_status_or_the_eof(tmp_path):
    """Ftl2Worker drains after each status and after the eof: slow writes (an O_SYNC file) included."""
    from ftl2_runner.worker import Ftl2Worker

    synchronous = os.open(tmp_path / "stdout", os.O_CREAT | os.O_WRONLY | os.O_SYNC, 0o600)
    try:
        raw = RecordingFile(delay=0.05, fd=synchronous)  # an O_SYNC descriptor: the worker coalesces
        worker = Ftl2Worker(_input=io.BytesIO(b""), _output=raw, private_data_dir=str(tmp_path / "w"))
        assert worker._output.coalescing
        for n in range(1, 4):
            worker.event_handler({"event": "verbose", "counter": n, "stdout": f"line {n}"})
        worker.status_handler({"status": "successful"}, None)
        assert raw.data.endswith(b'{"status": "successful"}\n')
        assert raw.data.count(b'"event": "verbose"') == 3
        worker.finished_callback(None)
        assert raw.data.endswith(b'{"eof": true}\n')
        worker._output.close()
    finally:
        os.close(synchronous)
