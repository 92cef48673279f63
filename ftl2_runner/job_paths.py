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
* in worker mode, ``artifact_dir``/``project_dir`` kwargs outside the data dir (AWX
  never sends them; ``ftl2-runner run --artifact-dir`` may still point anywhere);
* ``env``, ``artifacts`` or ``artifacts/<ident>`` being symlinks, and symlinks inside
  ``artifacts/<ident>`` or under ``env/`` that leave the data dir;
* a fact cache (``fact_cache`` kwarg or ``env/settings``) outside the artifact dir.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


class UnsafeDataDir(ValueError):
    """A job would write (or read back) a file outside its private data directory."""


def check_ident(ident: Any) -> None:
    text = str(ident)
    if text in ("", ".", "..") or "/" in text or "\x00" in text:
        raise UnsafeDataDir(f"ident {text!r} is not a valid artifact directory name: it must be one path "
                            f"component, without '/', and not '.' or '..'")


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
            if value and not inside(os.path.join(private_data_dir, value), private_data_dir):
                raise UnsafeDataDir(f"the {key} kwarg {value!r} is outside the private data directory")
    artifact_root = kwargs.get("artifact_dir") or os.path.join(private_data_dir, "artifacts")
    check_tree(private_data_dir, "env", leave_only=True)
    _refuse_symlink(artifact_root, "the artifacts directory")
    if kwargs.get("ident") is not None:
        artifact_dir = os.path.join(artifact_root, str(kwargs["ident"]))
        _refuse_symlink(artifact_dir, "the job's artifact directory")
        check_tree(artifact_dir, "", leave_only=False)


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
                continue
            if leave_only and inside(path, root):
                continue
            shown = os.path.relpath(path, root)
            raise UnsafeDataDir(f"{shown} is a symlink to {os.readlink(path)!r}: the job writes or reads files "
                                f"there, and a symlink would take them outside the private data directory")


def check_fact_cache(fact_cache: str | None, artifact_dir: str) -> None:
    if fact_cache and not inside(fact_cache, artifact_dir):
        raise UnsafeDataDir(f"the fact cache {fact_cache!r} is outside the job's artifact directory")


def _refuse_symlink(path: str, what: str) -> None:
    if os.path.islink(path):
        raise UnsafeDataDir(f"{what} ({path}) is a symlink to {os.readlink(path)!r}; refusing to write through it")
