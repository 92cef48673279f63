"""Ansible's magic variables, computed as ansible-core 2.21 computes them.

They come in three scopes, because ansible-core gives them in three places:

* the job's (:func:`job_magic`): ``ansible_check_mode``, ``ansible_diff_mode``, ``ansible_verbosity``,
  ``ansible_forks``, ``ansible_run_tags``, ``ansible_skip_tags``, ``ansible_limit`` (only when the
  job has a limit), ``ansible_inventory_sources``, ``ansible_config_file`` (the ``ansible.cfg`` the job
  read, else None), ``ansible_playbook_python``, ``ansible_version``, ``playbook_dir``;
* a host's (:class:`HostMagic`): ``inventory_hostname``, ``inventory_hostname_short``,
  ``group_names``, ``groups``, ``inventory_dir``, ``inventory_file`` — with the job's, this is
  what ``hostvars[host]`` shows of a host besides its own variables;
* a play's and a task's (:class:`PlayMagic`): ``ansible_play_name``, ``ansible_play_hosts_all``
  (the play's hosts after ``--limit``), ``ansible_play_hosts`` (without the hosts that failed),
  ``ansible_play_batch`` (this ``serial`` batch's, without them) and its deprecated alias
  ``play_hosts``, ``environment``, and the role lists, always empty: a script has no roles.

``hostvars`` and ``vars`` are the variable plane's own (:mod:`.variables`). ``omit`` is a name every
template knows (:data:`OMIT`), not a variable, as in ansible-core (it is not among ``vars``' keys).
``ansible_host`` and ``ansible_connection`` are not magic either: ansible-core adds them to a task's
variables from its connection settings when nothing else defines them (:func:`connection_defaults`),
so a task sees ``ansible_host`` as the inventory name while ``hostvars[host]`` does not have it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The ansible-core release whose behaviour ftl2-runner reproduces (compat/reference-requirements.txt).
ANSIBLE_VERSION = {"string": "2.21.5", "full": "2.21.5", "major": 2, "minor": 21, "revision": 5}
# ansible-core's default forks (DEFAULT_FORKS), what ansible_forks says when the job sets none.
DEFAULT_FORKS = 5
# What ``{{ omit }}`` renders to; a module argument with this value is left out of the call.
OMIT = "__omit_place_holder__ftl2_runner"


@dataclass(frozen=True)
class JobMagic:
    """What the job was launched with, as magic variables see it."""

    check_mode: bool = False
    diff_mode: bool = False
    verbosity: int = 0
    playbook_dir: str = ""
    forks: int | None = None
    tags: tuple[str, ...] = ()
    skip_tags: tuple[str, ...] = ()
    limit: str | None = None
    inventory_sources: tuple[str, ...] = ()
    config_file: str | None = None  # the ansible.cfg the job read


def job_magic(job: JobMagic) -> dict[str, Any]:
    """The magic variables every host of the job has, keyed as ansible-core names them."""
    out: dict[str, Any] = {
        "ansible_check_mode": job.check_mode,
        "ansible_config_file": job.config_file,
        "ansible_diff_mode": job.diff_mode,
        "ansible_forks": job.forks or DEFAULT_FORKS,
        "ansible_inventory_sources": list(job.inventory_sources),
        "ansible_playbook_python": sys.executable,
        "ansible_run_tags": list(job.tags) or ["all"],
        "ansible_skip_tags": list(job.skip_tags),
        "ansible_verbosity": job.verbosity,
        "ansible_version": dict(ANSIBLE_VERSION),
        "playbook_dir": job.playbook_dir,
    }
    if job.limit:
        out["ansible_limit"] = job.limit
    return out


class GroupsView:
    """``groups``: every group of the inventory (``--limit`` does not apply) with its hosts, in inventory order.

    Computed once per inventory: it does not change while a job runs, and every host's variables have it.
    """

    def __init__(self, inventory: Any) -> None:
        self._inventory = inventory
        self._groups: dict[str, list[str]] | None = None
        self._of_host: dict[str, list[str]] = {}

    @property
    def groups(self) -> dict[str, list[str]]:
        if self._groups is None:
            inventory = self._inventory
            names = list(getattr(inventory, "groups", {}))
            # ansible-core's order: `all` and `ungrouped` (made first), then the groups as the inventory made them.
            ordered = ["all", "ungrouped", *(name for name in names if name not in ("all", "ungrouped"))]
            self._groups = {name: inventory.hosts_in(name) if name in names else [] for name in ordered}
        return self._groups

    def names_of(self, host: str) -> list[str]:
        """``group_names``: the host's groups but ``all``, sorted."""
        found = self._of_host.get(host)
        if found is None:
            found = self._of_host[host] = sorted(name for name, hosts in self.groups.items() if name != "all" and host in hosts)
        return found


class Computed:
    """A variable whose value is made when it is read (``groups``, ``hostvars``, the play's host lists):
    each read gets its own copy, and nothing is made for the many tasks that never read it."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def host_magic(host: str, groups: GroupsView, inventory: Any) -> dict[str, Any]:
    """A host's own magic variables (``inventory_dir``/``inventory_file``: the source that named it)."""
    import os

    source = getattr(inventory, "host_sources", {}).get(host) if inventory is not None else None
    return {
        "group_names": Computed(lambda: list(groups.names_of(host))),
        "groups": Computed(lambda: {name: list(hosts) for name, hosts in groups.groups.items()}),
        "inventory_dir": os.path.dirname(source) if source else None,
        "inventory_file": source,
        "inventory_hostname": host,
        "inventory_hostname_short": host.split(".")[0],
    }


@dataclass
class PlayMagic:
    """The open play, as its magic variables describe it; ``removed`` says which hosts failed so far."""

    name: str
    hosts_all: list[str]
    batch: list[str]
    removed: Callable[[], set[str]] = field(default=lambda: set())

    def variables(self) -> dict[str, Any]:
        """The play's magic variables; the host lists are made when read, with the failures of that moment."""
        return {
            "ansible_dependent_role_names": Computed(list),
            "ansible_play_batch": Computed(self.active_batch),
            "ansible_play_hosts": Computed(self.active),
            "ansible_play_hosts_all": Computed(lambda: list(self.hosts_all)),
            "ansible_play_name": self.name,
            "ansible_play_role_names": Computed(list),
            "ansible_role_names": Computed(list),
            "environment": Computed(list),
            "play_hosts": Computed(self.active_batch),
            "role_names": Computed(list),
        }

    def active(self) -> list[str]:
        removed = self.removed()
        return [h for h in self.hosts_all if h not in removed]

    def active_batch(self) -> list[str]:
        removed = self.removed()
        return [h for h in self.batch if h not in removed]


def connection_defaults(host: str, implicit_localhost: bool) -> dict[str, Any]:
    """What a task sees when nothing defines them: ``ansible_host`` (the inventory name) and ``ansible_connection``."""
    return {"ansible_host": host, "ansible_connection": "local" if implicit_localhost else "ssh"}


def implicit_localhost_vars() -> dict[str, Any]:
    """The variables ansible-core gives the implicit ``localhost`` (a play on it with no inventory entry)."""
    return {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
