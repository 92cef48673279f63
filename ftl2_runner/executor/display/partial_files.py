"""Partial event files written on a few reused inodes instead of a new file per event.

Every ``verbose`` event (a line the job printed, ``runner.display``) and every large event
needs ``job_events/<uuid>-partial.json``, which upstream's ``Runner.event_callback`` opens,
reads whole and then removes. Creating a file is the expensive part on ext4: a new inode is
allocated per event, and the allocator skips recently deleted inodes, so the cost grows
while a job creates and Runner deletes thousands of them (measured on this VM's disk,
writer and reader in two processes as in a job: 86-172 µs of CPU per created file, 24-48 µs
with this module; see docs/performance.md).

So each partial file is a second name for one of a few *slot* files kept in
``job_events/.ftl2-runner-slots/``: the event is written into a slot, and the slot is
hard-linked to the partial file's name. Runner reads the same bytes under the same name
and removes that name; the inode stays, and the slot is written again only once its link
count is back to 1 -- after Runner has removed the name, which it does only after reading
the whole file, so Runner can never see a slot rewritten under it. The link appears only
once the slot holds the whole event, like the ``.tmp`` + rename of awx_display.

Anything unusual falls back to creating the file as before: a filesystem without hard
links, a link that fails, or more than ``MAX_SLOTS`` partial files that Runner has not read
yet. The slot directory is removed when the executor exits (``close``) and, should the
executor be killed, by the worker before it zips the artifacts (``remove_slots``).
"""

from __future__ import annotations

import collections
import os
import shutil
import stat
import threading

SLOT_DIR_NAME = ".ftl2-runner-slots"
MAX_SLOTS = 512  # partial files Runner has not read yet; beyond this, files are created as before


class PartialFileWriter:
    """Writes ``<events_dir>/<name>`` for Runner to read once and remove.

    Slots are known by path only, opened for each write: no descriptor of ours stays open
    while a script runs (a script that closes descriptors it does not own must not make
    us write into its files).
    """

    def __init__(self, events_dir: str) -> None:
        self._events_dir = events_dir
        self._slot_dir = os.path.join(events_dir, SLOT_DIR_NAME)
        self._free: list[str] = []
        self._linked: collections.deque[str] = collections.deque()  # in the order written
        self._slots = 0
        self._reuse = True
        self._made_dir = False
        self._lock = threading.Lock()  # events are written from the job's thread and the capture's

    def write(self, name: str, data: bytes) -> None:
        path = os.path.join(self._events_dir, name)
        with self._lock:
            if self._reuse and self._write_to_slot(path, data):
                return
        _create(path, data)

    def close(self) -> None:
        """Remove the slots (the partial files' own names stay until Runner has read them)."""
        with self._lock:
            self._stop_reusing()

    def _write_to_slot(self, path: str, data: bytes) -> bool:
        try:
            slot = self._take_slot()
            if slot is None:
                return False
            # O_NOFOLLOW | O_NONBLOCK and a regular file only: whatever else a reused data dir may
            # hold at a slot's path (a FIFO blocked a plain open for ever) is refused, not written to.
            fd = os.open(slot, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise OSError(f"{slot} is not a regular file")
                write_all(fd, data)
                os.ftruncate(fd, len(data))
            finally:
                os.close(fd)
            os.link(slot, path)
        except OSError:  # no hard links here, a slot directory someone removed, a full disk
            self._stop_reusing()
            return False
        self._linked.append(slot)
        return True

    def _take_slot(self) -> str | None:
        # Runner reads partial files in the order they were written: the oldest link is the
        # one most likely removed by now.
        while self._linked and os.stat(self._linked[0]).st_nlink == 1:
            self._free.append(self._linked.popleft())
        if self._free:
            return self._free.pop()
        if self._slots >= MAX_SLOTS:
            return None
        if not self._made_dir:
            _make_anew(self._slot_dir)
            self._made_dir = True
        self._slots += 1
        return os.path.join(self._slot_dir, str(self._slots))

    def _stop_reusing(self) -> None:
        self._reuse = False
        self._free.clear()
        self._linked.clear()
        if self._made_dir:
            remove_slots(self._events_dir)
            self._made_dir = False


def remove_slots(events_dir: str) -> None:
    """Remove the slot directory from ``events_dir``, if an executor left one."""
    shutil.rmtree(os.path.join(events_dir, SLOT_DIR_NAME), ignore_errors=True)


def _make_anew(slot_dir: str) -> None:
    """An empty slot directory of our own: what a reused data dir has there (slots left by a killed
    executor, a FIFO, a socket, a file) is removed first; a symlink is only unlinked."""
    try:
        info = os.lstat(slot_dir)
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(slot_dir)
        else:
            os.unlink(slot_dir)
    os.mkdir(slot_dir, 0o700)


def _create(path: str, data: bytes) -> None:
    # To its final name directly: the file is closed before its begin marker is written,
    # and Runner opens it only after it has seen that marker.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        write_all(fd, data)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` (os.write may write less than asked, on a pty or a pipe)."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except InterruptedError:
            continue
        view = view[written:]
