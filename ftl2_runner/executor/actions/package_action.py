"""Ansible's ``package`` and ``dnf`` actions, on hosts that run on this machine and on remote hosts.

Both are action plugins in ansible-core 2.21: they find the host's package manager (the task's
``use``, ``ansible_package_use``, the host's ``pkg_mgr`` fact, else a ``setup`` filtered to
``ansible_pkg_mgr`` run on the host) and run that manager's module (``apt``, ``dnf``, ``dnf5``...)
with the task's arguments minus ``use``. FTL2 0.4.7 runs the ``package`` module file itself, whose
documentation its requirement parser misreads (it asks for a Python package named ``Whatever``),
so no ``package`` task ever runs; its ``dnf`` is a native module of its own, which never asks which
manager the host has (on a Debian host Ansible's action refuses, naming the manager it found).

Here the actions are done as Ansible does them. Which way a module runs is a :data:`ModuleRunner`:
on this machine (:mod:`..ftl2.ansible_modules`) or through FTL2's gate
(:func:`..ftl2.remote_modules.run_module`), so the choice of manager is one piece of logic for both.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..ftl2 import ansible_modules
from .failures import SUMMARY

# Runs one of Ansible's modules on the task's host: (module name, module arguments) -> its result dict, or
# FTL2's ExecuteResult when a remote host could not be reached (the task then reports the host unreachable).
ModuleRunner = Callable[[str, Mapping[str, Any]], Awaitable[Any]]

# The setup call both actions make when the host's facts do not name its manager.
PKG_MGR_FACT_ARGS = {"filter": "ansible_pkg_mgr", "gather_subset": "!all"}
# The backends ansible-core's dnf action accepts (`use`/`use_backend`, or the host's pkg_mgr).
DNF_BACKENDS = frozenset(("yum", "yum4", "dnf", "dnf4", "dnf5"))
DNF_UNDETECTED = (
    "Could not detect which major revision of dnf is in use, which is required to determine module backend.",
    "You should manually specify use_backend to tell the module whether to use the dnf4 or dnf5 backend})",
)
# The actions this module does, by the name a task gives.
ACTIONS = frozenset(("package", "dnf"))


def _facts_manager(variables: Mapping[str, Any]) -> Any:
    facts = variables.get("ansible_facts")
    return facts.get("pkg_mgr") if isinstance(facts, Mapping) else None


def has_module(name: str) -> bool:
    """Whether ``name`` is a module the library FTL2 ships has (a collection's name is taken as found)."""
    if "." in name:
        return True
    import ansible  # FTL2's copy of ansible's module files (never ansible-core)

    return os.path.isfile(os.path.join(list(ansible.__path__)[0], "modules", f"{name}.py"))


async def package(params: Mapping[str, Any], variables: Mapping[str, Any], run_module: ModuleRunner) -> Any:
    """ansible-core 2.21's ``package`` action on one host."""
    manager = params.get("use") or "auto"
    if manager == "auto":
        manager = variables.get("ansible_package_use") or None
        if not manager:
            if _facts_manager(variables):
                manager = _facts_manager(variables)
            else:
                facts = await run_module("setup", PKG_MGR_FACT_ARGS)
                if not isinstance(facts, dict):
                    return facts  # unreachable
                if facts.get("failed"):
                    return {
                        **facts,
                        **_action_failed(f"Failed to fetch ansible_pkg_mgr to determine the package action backend: {facts.get('msg')}"),
                    }
                manager = (facts.get("ansible_facts") or {}).get("ansible_pkg_mgr")
                if manager is None:
                    return _action_failed('Could not detect a package manager. Try using the "use" option.')
    if not manager or manager == "auto":
        return _action_failed('Could not detect which package manager to use. Try gathering facts or setting the "use" option.')
    manager = str(manager)
    if not has_module(manager.removeprefix("ansible.builtin.").removeprefix("ansible.legacy.")):
        return _action_failed(f'Could not find a matching action for the "{manager}" package manager.')
    args = {k: v for k, v in params.items() if k != "use"}
    return await run_module(manager.rsplit(".", 1)[-1], args)


async def dnf(params: Mapping[str, Any], variables: Mapping[str, Any], run_module: ModuleRunner) -> Any:
    """ansible-core 2.21's ``dnf`` action on one host: the backend (``dnf`` or ``dnf5``) from ``use``/``use_backend``,
    else from the host's manager; the manager it asked the host for is reported as the ``pkg_mgr`` fact."""
    if "use" in params and "use_backend" in params:
        return _action_failed("parameters are mutually exclusive: ('use', 'use_backend')")
    backend = params.get("use", params.get("use_backend", "auto"))
    result: dict[str, Any] = {}
    if backend in ("yum", "auto"):
        backend = _facts_manager(variables) or backend
    if backend not in DNF_BACKENDS:
        facts = await run_module("setup", PKG_MGR_FACT_ARGS)
        if not isinstance(facts, dict):
            return facts  # unreachable
        if facts.get("failed"):
            return {
                **facts,
                **_action_failed(f"Failed to fetch ansible_pkg_mgr to determine the dnf action backend: {facts.get('msg')}"),
            }
        backend = (facts.get("ansible_facts") or {}).get("ansible_pkg_mgr", "auto")
        if backend != "auto":
            result["ansible_facts"] = {"pkg_mgr": backend}
    if backend not in DNF_BACKENDS:
        result.update(changed=False, failed=True, msg=list(DNF_UNDETECTED))
        result[SUMMARY] = f"Task failed: Action failed: {DNF_UNDETECTED!r}"
        return result
    name = "dnf" if backend in ("yum", "yum4", "dnf4") else str(backend)
    args = {k: v for k, v in params.items() if k not in ("use", "use_backend")}
    answer = await run_module(name, args)
    if not isinstance(answer, dict):
        return answer
    result.update(answer)
    return result


def _action_failed(msg: str) -> dict[str, Any]:
    return {"changed": False, "failed": True, "msg": msg, SUMMARY: f"Task failed: Action failed: {msg}"}


def local_runner(check_mode: bool, diff: bool, verbosity: int) -> ModuleRunner:
    """Modules run on this machine, with the task's check mode, diff and verbosity (setup too, as ansible-core's)."""

    async def run(name: str, args: Mapping[str, Any]) -> Any:
        return await ansible_modules.run_local(name, args, check_mode, diff, verbosity)

    return run


def remote_runner(context: Any, host: str, check_mode: bool, diff: bool, verbosity: int) -> ModuleRunner:
    """Modules run on a remote host through FTL2's gate, with the task's check mode, diff and verbosity."""
    from ..ftl2 import remote_modules

    async def run(name: str, args: Mapping[str, Any]) -> Any:
        out = await remote_modules.run_module(context, host, name, ansible_modules.module_args(args, check_mode, diff, verbosity))
        return ansible_modules.with_output_lines(out) if isinstance(out, dict) else out

    return run


async def run(
    action: str, context: Any, host: str, params: Mapping[str, Any], settings: Any, variables: Mapping[str, Any], local: bool
) -> Any:
    """The ``action`` (``package`` or ``dnf``) on one host: here when it runs on this machine, else through the gate."""
    check, diff, verbosity = settings.check_mode, settings.diff, settings.verbosity
    runner = local_runner(check, diff, verbosity) if local else remote_runner(context, host, check, diff, verbosity)
    return await (package if action == "package" else dnf)(params, variables, runner)
