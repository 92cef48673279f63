"""Checks that every path a job writes stays inside its private data directory.

The archive check (``safe_unzip``) covers what the transmit zip extracts. A job then
writes more: upstream ``dump_artifacts`` writes the ``envvars``, ``passwords``,
``ssh_key``, ``settings`` and ``cmdline`` kwargs into ``env/`` and reads ``env/*``
back into the ``starting`` status (which AWX stores); ``Runner`` writes
``artifacts/<ident>/{command,stdout,status,rc,job_events/...}``, the ssh-key FIFO and
the fact cache, and zips ``artifacts/<ident>`` back to the controller. A data dir
that arrives without a zip (AWX's ``local`` worktype reuses an existing directory),
or one reused without ``--delete``, may already hold symlinks at those paths, and
the ``ident`` and ``artifact_dir`` kwargs choose where ``artifacts/<ident>`` is. So
before upstream touches anything, this module refuses:

* an ``ident`` that is not a single path component (``..``, ``/``, NUL, empty);
* in worker mode, ``artifact_dir``/``project_dir`` kwargs that do not resolve inside the
  data dir the way upstream resolves them (``os.path.abspath``, i.e. against the
  worker's cwd), and ``rotate_artifacts`` with an artifact dir of its own (upstream's
  rotation removes directories beside the artifact dir); AWX sends none of these, and
  ``ftl2-runner run --artifact-dir`` may still point anywhere;
* ``env``, ``artifacts`` or ``artifacts/<ident>`` being symlinks, symlinks inside
  ``artifacts/<ident>`` or under ``env/`` that leave the data dir, and any symlink at or under
  the job's gate cache ``artifacts/.ftl2-runner-gates``, and the files
  ``dump_artifacts`` writes elsewhere (``project/main.json``, ``inventory/hosts``,
  ``inventory/hosts.json``, each directory's ``.artifact_write_lock``) as such symlinks;
* files at those paths with more than one hard link: writing to one writes to the
  other name too, which may be anywhere on the same filesystem;
* FIFOs, sockets and devices at those paths: upstream opens ``stdout``, ``command``... for
  writing, and a FIFO there blocked the worker for ever;
* a fact cache (``fact_cache`` kwarg or ``env/settings``) outside the artifact dir.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import Any


class UnsafeDataDir(ValueError):
    """A job would write (or read back) a file outside its private data directory."""


def check_ident(ident: Any) -> None:
    text = str(ident)
    if text in ("", ".", "..") or "/" in text or "\x00" in text:
        raise UnsafeDataDir(
            f"ident {text!r} is not a valid artifact directory name: it must be one path component, without '/', and not '.' or '..'"
        )


def inside(path: str, root: str) -> bool:
    """True when ``path`` resolves to ``root`` or below it (symlinks followed)."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base + os.sep)


def check_job_kwargs(kwargs: Mapping[str, Any], *, streamed: bool) -> None:
    """Refuse a job whose kwargs or data dir would make upstream write outside the data dir."""
    private_data_dir = kwargs.get("private_data_dir")
    if kwargs.get("ident") is not None:
        check_ident(kwargs["ident"])
    if not private_data_dir:
        return
    if streamed:
        if kwargs.get("streamer"):
            raise UnsafeDataDir(f"a streamed job cannot ask for streamer={kwargs['streamer']!r}")
        for key in ("artifact_dir", "project_dir"):
            value = kwargs.get(key)
            # upstream takes os.path.abspath(value): relative to the worker's cwd, not the data dir
            if value and not inside(os.path.abspath(value), private_data_dir):
                raise UnsafeDataDir(f"the {key} kwarg {value!r} is outside the private data directory")
        if kwargs.get("artifact_dir") and kwargs.get("rotate_artifacts"):
            raise UnsafeDataDir(
                "rotate_artifacts with an artifact_dir kwarg: upstream's rotation would remove "
                "directories beside it; a streamed job keeps its artifacts in <data dir>/artifacts"
            )
    artifact_root = os.path.abspath(kwargs.get("artifact_dir") or os.path.join(private_data_dir, "artifacts"))
    check_tree(private_data_dir, "env", leave_only=True)
    for relative in DUMPED_FILES:
        check_file(private_data_dir, relative)
    _refuse_symlink(artifact_root, "the artifacts directory")
    check_tree(artifact_root, JOB_GATE_CACHE, leave_only=False)
    if kwargs.get("ident") is not None:
        artifact_dir = os.path.join(artifact_root, str(kwargs["ident"]))
        _refuse_symlink(artifact_dir, "the job's artifact directory")
        check_tree(artifact_dir, "", leave_only=False)


# Files upstream's dump_artifacts writes outside env/ (plus the lock file it creates in each directory).
DUMPED_FILES = (
    "project/main.json",
    "project/.artifact_write_lock",
    "inventory/hosts",
    "inventory/hosts.json",
    "inventory/.artifact_write_lock",
    "env/.artifact_write_lock",
)


def check_file(root: str, relative: str) -> None:
    """Refuse a file the job writes when it is a symlink leaving ``root`` or has other hard links."""
    path = os.path.join(root, relative)
    if os.path.islink(path) and not inside(path, root):
        raise UnsafeDataDir(
            f"{relative} is a symlink to {os.readlink(path)!r}: the job writes there, and the "
            f"link would take the write outside the private data directory"
        )
    _refuse_hard_links(path, relative)


# The job's gate cache beside its artifact dir (executor/ftl2/gate.py's JOB_GATE_CACHE): FTL2 builds
# gates there and the executor copies prebuilt ones in, so a symlink there in a reused data dir took
# those writes outside it.
JOB_GATE_CACHE = ".ftl2-runner-gates"
# The executor's partial-file slots (executor/display/partial_files.py): its own, made anew before
# it writes any (whatever a reused data dir holds there is removed first), and hard-linked by design.
_PARTIAL_FILE_SLOTS = ".ftl2-runner-slots"
_SPECIAL = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _refuse_hard_links(path: str, shown: str) -> None:
    """Refuse a file with other hard links, and a FIFO, socket or device (upstream's ``open`` of a
    FIFO for writing its ``stdout`` or ``command`` artifact blocked the worker for ever)."""
    try:
        info = os.lstat(path)
    except OSError:
        return
    for test, what in _SPECIAL:
        if test(info.st_mode):
            raise UnsafeDataDir(
                f"{shown} is {what}, not a file: the job writes or reads files there, and opening it would "
                "block the job or write elsewhere; remove it, or run the worker with --delete"
            )
    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
        raise UnsafeDataDir(
            f"{shown} has {info.st_nlink} hard links: the job writes or reads it, and another "
            f"name of the same file may be outside the private data directory"
        )


def check_tree(root: str, relative: str, *, leave_only: bool) -> None:
    """Refuse symlinks under ``root/relative``: all of them, or (``leave_only``) those leaving ``root``."""
    top = os.path.join(root, relative) if relative else root
    _refuse_symlink(top, relative or "the job's artifact directory")
    if not os.path.isdir(top):
        return
    for directory, subdirs, files in os.walk(top):
        for name in subdirs + files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                if _PARTIAL_FILE_SLOTS not in os.path.relpath(path, top).split(os.sep):
                    _refuse_hard_links(path, os.path.relpath(path, root))
                continue
            if leave_only and inside(path, root):
                continue
            shown = os.path.relpath(path, root)
            raise UnsafeDataDir(
                f"{shown} is a symlink to {os.readlink(path)!r}: the job writes or reads files "
                f"there, and a symlink would take them outside the private data directory"
            )


def check_fact_cache(fact_cache: str | None, artifact_dir: str) -> None:
    if fact_cache and not inside(fact_cache, artifact_dir):
        raise UnsafeDataDir(f"the fact cache {fact_cache!r} is outside the job's artifact directory")


def _refuse_symlink(path: str, what: str) -> None:
    if os.path.islink(path):
        raise UnsafeDataDir(f"{what} ({path}) is a symlink to {os.readlink(path)!r}; refusing to write through it")
