"""What a ``copy`` of a directory sends: its files, directories and symbolic links, as Ansible's action lists them.

Ansible's ``copy`` action, given a directory ``src``, walks it on the controller and copies what it
finds one entry at a time (:mod:`.remote_copy_action`). Where each entry lands is its path relative to
the walk's base, and the base follows rsync's rule: ``src=dir/`` copies what is *inside* ``dir``
(relative paths ``a.txt``, ``sub/b.txt``), ``src=dir`` copies ``dir`` itself (``dir/a.txt``,
``dir/sub/b.txt``). The top directory is never an entry of its own: the ``copy`` module makes it
when it writes the first file under it.

Symbolic links: with ``local_follow`` (the default) a link to a file is copied as that file and a
link to a directory is walked as a directory, unless it points back into a directory being copied
(it would never end), in which case it is re-created as a link; without ``local_follow`` every link
is re-created as a link with the target it names. Entries come in the order of ``os.walk`` (top
down, a directory's files before its subdirectories), as Ansible's do, so the first failure is the
same one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class SourceTree:
    """A directory's entries as ``(path on this machine, path relative to the destination)`` pairs;
    for ``symlinks`` the first item is the link's target as it is written."""

    files: list[tuple[str, str]] = field(default_factory=list)
    directories: list[tuple[str, str]] = field(default_factory=list)
    symlinks: list[tuple[str, str]] = field(default_factory=list)


def _identity(path: str) -> tuple[int, int]:
    found = os.stat(path)
    return found.st_dev, found.st_ino


def walk(top: str, local_follow: bool = True) -> SourceTree:
    """The entries of directory ``top`` (a trailing ``/``: its contents; none: the directory itself)."""
    tree = SourceTree()
    base = top if top.endswith(os.sep) else os.path.dirname(top)
    offset = len(base) if base.endswith(os.sep) else len(base) + 1
    if os.path.islink(top) and not local_follow:
        tree.symlinks.append((os.readlink(top), os.path.basename(top)))
        return tree
    _walk_into(tree, top, offset, "", frozenset((_identity(top),)), local_follow)
    return tree


def _walk_into(tree: SourceTree, top: str, offset: int, rel_base: str, copied: frozenset[tuple[int, int]], local_follow: bool) -> None:
    """Add ``top``'s entries; ``copied``: the directories being copied that hold it (a link back to one is a loop)."""
    for here, subdirs, names in os.walk(top):
        for name in names:
            path = os.path.join(here, name)
            rel = os.path.join(rel_base, path[offset:])
            if not os.path.islink(path):
                tree.files.append((path, rel))
                continue
            real = os.path.realpath(path)
            if local_follow and os.path.isfile(real):
                tree.files.append((real, rel))
            else:
                tree.symlinks.append((os.readlink(path), rel))
        for name in subdirs:
            path = os.path.join(here, name)
            rel = os.path.join(rel_base, path[offset:])
            if not os.path.islink(path):
                tree.directories.append((path, rel))
            elif not local_follow:
                tree.symlinks.append((os.readlink(path), rel))
            else:
                _linked_directory(tree, path, rel, copied, local_follow)


def _linked_directory(tree: SourceTree, path: str, rel: str, copied: frozenset[tuple[int, int]], local_follow: bool) -> None:
    """A link to a directory, followed: walked as a directory of the copy, or kept a link when following it loops."""
    real = os.path.realpath(path)
    target = _identity(real)
    if target in copied:
        tree.symlinks.append((os.readlink(path), rel))
        return
    # The directories above the link, up to one already known to be copied: a link to one of them loops too.
    above: set[tuple[int, int]] = set()
    parts = os.path.dirname(path).split(os.sep)
    for end in range(len(parts), 0, -1):
        identity = _identity("/".join(parts[:end]) or "/")
        if identity in copied:
            break
        above.add(identity)
    if target in above:
        tree.symlinks.append((os.readlink(path), rel))
        return
    tree.directories.append((real, rel))
    _walk_into(tree, real, len(real) + 1, rel, copied | above, local_follow)
