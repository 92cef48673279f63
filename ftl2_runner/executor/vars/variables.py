"""Each host's variables, as a playbook sees them: inventory, facts, ``set_fact``, ``register``, extra vars.

FTL2 has no variables of its own (it refuses ``set_fact``), so ftl2-runner keeps them: what a
condition, a ``debug(var=...)`` or ``runner.host_vars(host)`` reads is merged here with
Ansible's precedence, lowest first: the host's inventory variables (group vars, then host
vars), gathered facts (each under its own name, and in ``ansible_facts`` without the ``ansible_``
prefix), then ``set_fact`` and registered results,
then the job's extra vars, which always win. ``inventory_hostname`` is set as Ansible sets it.

ansible-core 2.21 deprecates reading a fact by its top-level name (``ansible_system``, not
``ansible_facts['system']``) while ``INJECT_FACTS_AS_VARS`` is at its default: the result of a
task whose templates read one carries the deprecation. The merged variables say which of their
names are such facts, and remember the ones a template read (:class:`HostVars`), so the task's
result can carry it too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .booleans import ansible_bool

# ansible-core's INJECT_FACTS_AS_VARS setting; only its default (unset) deprecates the injected names.
_INJECT_FACTS_ENV = "ANSIBLE_INJECT_FACT_VARS"
# ansible-core's DEPRECATION_WARNINGS: off, nothing of a deprecation is shown or kept.
_DEPRECATION_WARNINGS_ENV = "ANSIBLE_DEPRECATION_WARNINGS"
_NOT_DEPRECATED_FACTS = frozenset(("ansible_local",))  # ansible-core exempts it


class HostVars(dict[str, Any]):
    """One host's merged variables, noting reads of facts injected under their top-level names."""

    def __init__(self, values: Mapping[str, Any], injected: frozenset[str], read: set[str]):
        super().__init__(values)
        self.injected = injected
        self._read = read

    def note_reads(self, names: Iterable[str]) -> None:
        """A template or condition read ``names`` (called by the condition evaluator)."""
        self._read.update(name for name in names if name in self.injected)


class HostVariables:
    """The variable store of one job (all hosts)."""

    def __init__(
        self,
        inventory_vars: Callable[[str], Mapping[str, Any]],
        extravars: Mapping[str, Any],
        magic: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] = os.environ,
    ):
        self._inventory_vars = inventory_vars
        self.extravars = extravars
        self._magic = dict(magic or {})  # ansible_check_mode, ansible_diff_mode, playbook_dir...: the job's own
        self._facts: dict[str, dict[str, Any]] = {}
        self._set: dict[str, dict[str, Any]] = {}  # set_fact and register, per host
        self._deprecated_reads: dict[str, set[str]] = {}  # host -> injected fact names read since its last result
        inject = environ.get(_INJECT_FACTS_ENV)
        self._inject_facts = inject is None or ansible_bool(inject)
        deprecations = environ.get(_DEPRECATION_WARNINGS_ENV)
        self._deprecate_injected = inject is None and (deprecations is None or ansible_bool(deprecations))

    def of(self, host: str) -> HostVars:
        """Every variable ``host`` sees, merged with Ansible's precedence."""
        merged: dict[str, Any] = {"inventory_hostname": host, "inventory_hostname_short": host.split(".")[0], **self._magic}
        merged.update(self._inventory_vars(host))
        facts = self._facts.get(host)
        injected: frozenset[str] = frozenset()
        if facts:
            # As ansible-core injects them: each fact under its own name, and `ansible_facts` without the prefix.
            merged["ansible_facts"] = {k.removeprefix("ansible_"): v for k, v in facts.items()}
            if self._inject_facts:
                merged.update(facts)
                if self._deprecate_injected:
                    injected = frozenset(facts) - _NOT_DEPRECATED_FACTS
        own = self._set.get(host, {})
        merged.update(own)
        merged.update(self.extravars)
        injected = injected - own.keys() - self.extravars.keys()
        return HostVars(merged, injected, self._deprecated_reads.setdefault(host, set()))

    def take_deprecated_reads(self, host: str) -> bool:
        """Whether a template read one of ``host``'s injected facts since this was last asked (and forget it)."""
        read = self._deprecated_reads.get(host)
        if not read:
            return False
        read.clear()
        return True

    def set(self, host: str, name: str, value: Any) -> None:
        """``set_fact`` / ``register``: a variable of this host from now on."""
        self._set.setdefault(host, {})[name] = value

    def add_facts(self, host: str, facts: Mapping[str, Any]) -> None:
        self._facts.setdefault(host, {}).update(facts)
