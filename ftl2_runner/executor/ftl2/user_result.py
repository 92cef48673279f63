"""ansible-core 2.21's ``user`` result from the older ``user`` module FTL2 ships.

FTL2's copy of ``ansible/modules/user.py`` reports ``groups`` only when the task gives
``groups``, and then as the task wrote it. ansible-core 2.21 reports it whenever the user
exists and ``state`` is ``present``: the comma-separated names of the groups that list the
user as a member, in the group database's order, without the user's primary group
(``User.user_group_membership``). The database is read on the machine the module ran on:
here for local hosts; on remote hosts this file travels in our library of Ansible's modules and
the entry point applies it on the target (ftl2/remote_modules.py), so it imports nothing of
ftl2-runner's and runs on the target's Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class GroupEntry(Protocol):
    """What is read of a ``grp.struct_group``."""

    @property
    def gr_name(self) -> str: ...
    @property
    def gr_gid(self) -> int: ...
    @property
    def gr_mem(self) -> list[str]: ...


def membership(name: str, primary_gid: Any, groups: Iterable[GroupEntry]) -> str:
    """The groups listing ``name`` as a member, primary group excluded, as 2.21 joins them."""
    return ",".join(g.gr_name for g in groups if name in g.gr_mem and g.gr_gid != primary_gid)


def with_groups(res: Mapping[str, Any], groups: Iterable[GroupEntry] | None = None) -> dict[str, Any]:
    """``res`` with 2.21's ``groups`` key (after ``shell``, where 2.21 adds it) when the user exists."""
    out = dict(res)
    if out.get("failed") or out.get("state") != "present" or "uid" not in out or "name" not in out:
        return out
    if groups is None:
        import grp

        groups = grp.getgrall()
    value = membership(str(out["name"]), out.get("group"), groups)
    if "groups" in out:
        out["groups"] = value
        return out
    ordered: dict[str, Any] = {}
    for key, item in out.items():
        ordered[key] = item
        if key == "shell":
            ordered["groups"] = value
    if "groups" not in ordered:
        ordered["groups"] = value
    return ordered
