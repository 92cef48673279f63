"""Each host's variables, as a playbook sees them: inventory, facts, ``set_fact``, ``register``, extra vars.

FTL2 has no variables of its own (it refuses ``set_fact``), so ftl2-runner keeps them: what a
condition, a ``debug(var=...)`` or ``runner.host_vars(host)`` reads is merged here with
Ansible's precedence, lowest first: the host's inventory variables (group vars, then host
vars), gathered facts (each under its own name, and in ``ansible_facts`` without the ``ansible_``
prefix), then ``set_fact`` and registered results,
then the job's extra vars, which always win. ``inventory_hostname`` is set as Ansible sets it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class HostVariables:
    """The variable store of one job (all hosts)."""

    def __init__(
        self, inventory_vars: Callable[[str], Mapping[str, Any]], extravars: Mapping[str, Any], magic: Mapping[str, Any] | None = None
    ):
        self._inventory_vars = inventory_vars
        self.extravars = extravars
        self._magic = dict(magic or {})  # ansible_check_mode, ansible_diff_mode, playbook_dir...: the job's own
        self._facts: dict[str, dict[str, Any]] = {}
        self._set: dict[str, dict[str, Any]] = {}  # set_fact and register, per host

    def of(self, host: str) -> dict[str, Any]:
        """Every variable ``host`` sees, merged with Ansible's precedence."""
        merged: dict[str, Any] = {"inventory_hostname": host, "inventory_hostname_short": host.split(".")[0], **self._magic}
        merged.update(self._inventory_vars(host))
        facts = self._facts.get(host)
        if facts:
            # As ansible-core injects them: each fact under its own name, and `ansible_facts` without the prefix.
            merged["ansible_facts"] = {k.removeprefix("ansible_"): v for k, v in facts.items()}
            merged.update(facts)
        merged.update(self._set.get(host, {}))
        merged.update(self.extravars)
        return merged

    def set(self, host: str, name: str, value: Any) -> None:
        """``set_fact`` / ``register``: a variable of this host from now on."""
        self._set.setdefault(host, {})[name] = value

    def add_facts(self, host: str, facts: Mapping[str, Any]) -> None:
        self._facts.setdefault(host, {}).update(facts)
