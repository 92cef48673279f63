"""Validates the private-data-dir zip of a transmit stream before upstream extracts it.

ansible-runner 2.4.3's ``unstream_dir`` trusts the archive: an entry named ``../x`` or
``/etc/x`` gets its mode and mtime applied (or a symlink created) *outside* the data
dir, a symlink entry followed by ``link/file`` writes through the link, and nothing
bounds the unpacked size. We keep upstream's extraction (modes, mtimes, symlinks, the
FIFO handling AWX relies on) and put a gate in front of it: the payload is decoded to
a temporary file (where upstream already puts it), checked entry by entry, and only
then handed to upstream unchanged.

Limits (documented in docs/reliability.md), overridable through the environment:
``FTL2_RUNNER_MAX_UNZIPPED_BYTES`` (default 8 GiB in total), ``FTL2_RUNNER_MAX_ZIP_ENTRIES``
(default 200,000), and a compression ratio above 200:1 for any entry larger than 16 MiB, or for
the whole archive once it unpacks to more than 16 MiB (64 entries of exactly 16 MiB of zeros
passed the per-entry rule: 1 GiB from a 1 MiB payload).
"""

from __future__ import annotations

import base64
import io
import os
import posixpath
import stat
import tempfile
import zipfile
from collections.abc import Buffer, Callable
from typing import Any, BinaryIO

from .job_paths import DUMPED_FILES

# ansible_runner.streaming.unstream_dir(stream, length, target_directory)
UnstreamDir = Callable[[Any, int, str], None]

DEFAULT_MAX_UNZIPPED_BYTES = 8 * 1024**3
DEFAULT_MAX_ENTRIES = 200_000
MAX_RATIO = 200
RATIO_CHECK_MIN_BYTES = 16 * 1024**2
PATH_MAX = 4096  # Linux's limits on a path and on one of its components, in bytes
NAME_MAX = 255
_SYMLINK = "\0"  # the trie's mark of a symlink entry (no component contains a NUL)
_CHUNK = 3 * 1024 * 1024  # a multiple of 3, so base64 chunks concatenate cleanly
# Trees of the data dir that the worker and Runner write into (see _check_symlink_location).
WRITTEN_TREES = ("artifacts", "env")
# Files upstream's dump_artifacts writes outside those trees (one list, in job_paths).
WRITTEN_FILES = tuple(path for path in DUMPED_FILES if path.split("/")[0] not in WRITTEN_TREES)


class UnsafeArchive(ValueError):
    """The archive would write outside the data dir or exceed the documented limits."""


def _limit(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def validate_archive(archive: zipfile.ZipFile, target_directory: str) -> list[str]:
    """Refuse an archive unless every entry, extracted in order, stays inside ``target_directory``.

    Upstream extracts ``archive.infolist()`` in order, each with ``archive.extract(name)``,
    which writes the *last* entry of that name, and then ``utime``/``chmod`` the path,
    following symlinks. So the check simulates that order against what is on disk and
    what earlier entries created, instead of looking at names one by one.
    """
    max_bytes = _limit("FTL2_RUNNER_MAX_UNZIPPED_BYTES", DEFAULT_MAX_UNZIPPED_BYTES)
    max_entries = _limit("FTL2_RUNNER_MAX_ZIP_ENTRIES", DEFAULT_MAX_ENTRIES)
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise UnsafeArchive(f"the archive has {len(infos)} entries, more than the limit of {max_entries}")
    total = compressed = 0
    stale_links: list[str] = []
    seen: set[str] = set()
    symlinks: dict[str, Any] = {}  # a trie of the symlink entries' components: prefixes are found in one walk
    target_real = os.path.realpath(target_directory)
    for info in infos:
        name = info.filename
        parts = _entry_parts(name)
        clean = "/".join(parts)
        if clean in seen:
            raise UnsafeArchive(f"entry {name!r} appears more than once in the archive")
        seen.add(clean)
        node = symlinks
        for depth, part in enumerate(parts[:-1], start=1):
            node = node.get(part, {})
            if _SYMLINK in node:
                raise UnsafeArchive(f"entry {name!r} would be written through the symlink {'/'.join(parts[:depth])!r}")
        is_symlink = stat.S_ISLNK(info.external_attr >> 16)
        if _check_existing_path(target_real, parts, is_symlink):
            stale_links.append(os.path.join(target_real, *parts))
        if is_symlink:
            _check_symlink_location(name, parts)
            node = symlinks
            for part in parts:
                node = node.setdefault(part, {})
            node[_SYMLINK] = True
        total += info.file_size
        if total > max_bytes:
            raise UnsafeArchive(f"the archive unpacks to more than {max_bytes} bytes")
        if info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeArchive(f"entry {name!r} has a compression ratio above {MAX_RATIO}:1 (a zip bomb?)")
        compressed += info.compress_size
    if total > RATIO_CHECK_MIN_BYTES and total > MAX_RATIO * max(compressed, 1):
        raise UnsafeArchive(
            f"the archive unpacks to {total} bytes from {compressed}: a compression ratio above {MAX_RATIO}:1 (a zip bomb?)"
        )
    return stale_links


def _entry_parts(name: str) -> list[str]:
    """The path components an entry is extracted to; refuses names that leave the data dir.

    A name longer than ``PATH_MAX`` or with a component longer than ``NAME_MAX`` cannot be
    extracted anywhere (upstream fails on it, late): refused first, so that no check below
    ever walks a path 30,000 components deep (the checks were quadratic in the depth: three
    60,000-character names took 50 s).
    """
    if len(name.encode("utf-8", "surrogateescape")) > PATH_MAX:
        raise UnsafeArchive(f"entry {name[:100]!r}... is longer than {PATH_MAX} bytes (PATH_MAX): it cannot be extracted")
    if "\\" in name or "\x00" in name:
        raise UnsafeArchive(f"entry {name!r} has a backslash or NUL in its name")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchive(f"entry {name!r} is an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    for part in parts:
        if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX:
            raise UnsafeArchive(f"entry {name[:100]!r}... has a component longer than {NAME_MAX} bytes (NAME_MAX): it cannot be extracted")
    if ".." in parts:
        raise UnsafeArchive(f"entry {name!r} points outside the data directory")
    if not parts:
        raise UnsafeArchive(f"entry {name!r} names the data directory itself")
    return parts


def _check_symlink_location(name: str, parts: list[str]) -> None:
    """Symlinks only where nothing is written later.

    The worker and Runner write into ``env/`` (``dump_artifacts``: envvars, passwords,
    ssh_key, ...) and ``artifacts/<ident>/`` (command, stdout, status, rc, job events,
    fact cache), and read ``artifacts/<ident>/`` back into the artifacts zip: a symlink
    there would send a job's command line and environment to, or an outside file's
    content from, anywhere the link points. A top-level symlink (``project``,
    ``inventory``...) would move a whole tree out of the data dir. Project trees keep
    their symlinks (AWX projects have them, awx#9952).
    """
    if len(parts) == 1 or parts[0] in WRITTEN_TREES or "/".join(parts) in WRITTEN_FILES:
        raise UnsafeArchive(
            f"entry {name!r} is a symlink where the worker writes files "
            f"(top level, {', '.join(t + '/' for t in WRITTEN_TREES)}, {', '.join(WRITTEN_FILES)})"
        )


def _check_existing_path(target_real: str, parts: list[str], is_symlink: bool) -> bool:
    """A data dir reused without --delete may already hold links; never write through them.

    Any existing symlink on the way is refused. At the entry's own path upstream writes
    through an existing symlink (``open``, ``utime``, ``chmod`` follow it), and through a
    file with other hard links (same inode): refused, unless the entry is itself a symlink
    replacing a symlink. Returns True in that case: the old link is to be removed before
    upstream extracts (upstream removes one that resolves, but writes through a dangling one).
    """
    current = target_real
    for index, part in enumerate(parts):
        current = os.path.join(current, part)
        last = index == len(parts) - 1
        if os.path.islink(current):
            if last and is_symlink:
                return True
            kind = "is an existing symlink" if last else "would be written through an existing symlink"
            raise UnsafeArchive(
                f"{posixpath.join(*parts)!r} {kind} (pointing to {os.readlink(current)!r}); "
                f"a reused data directory must not contain symlinks on the paths an archive writes"
            )
        if not os.path.lexists(current):
            return False
        if last:
            info = os.lstat(current)
            if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                raise UnsafeArchive(
                    f"{posixpath.join(*parts)!r} exists with {info.st_nlink} hard links; extracting "
                    f"over it would also change the file's other names, which may be outside"
                )
    return False


def make_safe_unstream_dir(upstream_unstream_dir: UnstreamDir) -> UnstreamDir:
    """Wrap upstream's ``unstream_dir(stream, length, target_directory)`` with validation."""

    def safe_unstream_dir(stream: BinaryIO, length: int, target_directory: str) -> None:
        from ansible_runner.utils.base64io import Base64IO

        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            raise UnsafeArchive(f"invalid zipfile length {length!r}")
        # Anonymous files in the data dir: the decoded zip holds the job's secrets (env/ssh_key),
        # and nothing of a job is written outside its data dir, even for a moment.
        os.makedirs(target_directory, mode=0o700, exist_ok=True)
        with tempfile.TemporaryFile(dir=target_directory) as raw, tempfile.TemporaryFile(dir=target_directory) as encoded:
            with Base64IO(stream) as source:
                remaining = length
                while remaining:
                    data = source.read(min(_CHUNK, remaining))
                    if not data:
                        raise UnsafeArchive(f"the zip payload ended after {length - remaining} of {length} bytes")
                    raw.write(data)
                    remaining -= len(data)
            raw.seek(0)
            with zipfile.ZipFile(raw) as archive:
                stale_links = validate_archive(archive, target_directory)
            for link in stale_links:  # replaced by the archive's own symlinks; see _check_existing_path
                os.unlink(link)
            raw.seek(0)
            while chunk := raw.read(_CHUNK):
                encoded.write(base64.b64encode(chunk))
            encoded.seek(0)
            upstream_unstream_dir(_Unclosable(encoded), length, target_directory)

    return safe_unstream_dir


class _Unclosable(io.RawIOBase):
    """Upstream's Base64IO closes what it wraps; keep our temp file open for the ``with``."""

    def __init__(self, inner: BinaryIO):
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._inner.read(len(view))
        view[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        return self._inner.read(size)

    def close(self) -> None:
        pass
