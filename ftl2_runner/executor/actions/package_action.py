"""Ansible's ``package`` action on hosts that run on this machine.

``package`` is an action plugin: it finds the host's package manager (``ansible_package_use``,
the host's ``pkg_mgr`` fact, else a ``setup`` filtered to ``ansible_pkg_mgr``) and runs that
manager's module (``apt``, ``dnf``...) with the task's arguments minus ``use``. FTL2 0.4.7 runs
the ``package`` module file itself, whose documentation its requirement parser misreads (it asks
for a Python package named ``Whatever``), so no ``package`` task ever runs. Here the action is
done as Ansible does it, with the modules run by :mod:`..ftl2.ansible_modules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..ftl2 import ansible_modules


async def run_local(
    params: Mapping[str, Any], variables: Mapping[str, Any], check_mode: bool, diff: bool, verbosity: int
) -> dict[str, Any]:
    manager = params.get("use") or "auto"
    if manager == "auto":
        manager = variables.get("ansible_package_use") or (variables.get("ansible_facts") or {}).get("pkg_mgr")
    if not manager or manager == "auto":
        facts = await ansible_modules.run_local("setup", {"filter": "ansible_pkg_mgr", "gather_subset": "!all"})
        if facts.get("failed"):
            return {
                "changed": False,
                "failed": True,
                "msg": f"Failed to fetch ansible_pkg_mgr to determine the package action backend: {facts.get('msg')}",
            }
        manager = (facts.get("ansible_facts") or {}).get("ansible_pkg_mgr")
    if not manager or manager == "auto":
        return {"changed": False, "failed": True, "msg": 'Could not detect a package manager. Try using the "use" option.'}
    args = {k: v for k, v in params.items() if k != "use"}
    return await ansible_modules.run_local(str(manager).rsplit(".", 1)[-1], args, check_mode, diff, verbosity)
