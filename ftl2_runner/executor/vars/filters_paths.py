"""Ansible's filters for paths: POSIX paths as the controller sees them, Windows paths as text.

Like ansible-core's, they work on the machine that renders the template (the controller: here, the
machine the job runs on), never on the managed host. Behaviour and messages follow ansible-core
2.21's documentation of each filter; the code is ftl2-runner's own.
"""

from __future__ import annotations

import glob
import ntpath
import os.path
from collections.abc import Callable, Sequence
from typing import Any

from .plugin_support import PluginError, shown_type


def _text_result(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with a bytes answer given as text (a path given as bytes stays a path as text)."""

    def wrapped(*args: Any) -> Any:
        result = function(*args)
        return result.decode("utf-8", "surrogateescape") if isinstance(result, bytes) else result

    wrapped.__name__ = wrapped.__qualname__ = getattr(function, "__name__", "path_filter")
    wrapped.__doc__ = function.__doc__
    return wrapped


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def path_join(paths: Any) -> str:
    """The parts joined as one path (a string is a path already)."""
    if isinstance(paths, str):
        return os.path.join(paths)
    if _is_sequence(paths):
        return os.path.join(*paths)
    raise PluginError(f"|path_join expects string or sequence, got {shown_type(paths)} instead.")


def commonpath(paths: Any) -> str:
    if not _is_sequence(paths):
        raise PluginError(f"|commonpath expects sequence, got {shown_type(paths)} instead.")
    return os.path.commonpath(paths)


def fileglob(pathname: str) -> list[str]:
    """The regular files a glob pattern matches on the controller."""
    return [path for path in glob.glob(pathname) if os.path.isfile(path)]


FILTERS: dict[str, Callable[..., Any]] = {
    "basename": _text_result(os.path.basename),
    "dirname": _text_result(os.path.dirname),
    "expanduser": _text_result(os.path.expanduser),
    "expandvars": _text_result(os.path.expandvars),
    "realpath": _text_result(os.path.realpath),
    "relpath": _text_result(os.path.relpath),
    "splitext": _text_result(os.path.splitext),
    "normpath": _text_result(os.path.normpath),
    "win_basename": _text_result(ntpath.basename),
    "win_dirname": _text_result(ntpath.dirname),
    "win_splitdrive": _text_result(ntpath.splitdrive),
    "path_join": path_join,
    "commonpath": commonpath,
    "fileglob": fileglob,
}
