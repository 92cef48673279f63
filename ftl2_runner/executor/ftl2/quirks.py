"""FTL2 0.4.7's behaviours that a task must work around, each in one place (docs/compat.md).

Which of these a call needs is the router's decision (``executor/actions/router.py``); here is how
each is done:

* A group's ``shell`` runs on its first host only, and a remote ``shell`` opens its own SSH
  connection that ignores the inventory's key file: those calls go through FTL2's per-host path
  (``run_on``). (``copy`` and ``template`` are Ansible's actions on every host: the router's.)
* A group's ``ping`` runs ``echo pong`` through the gate; it is reported as Ansible's ping.
* Shadowed shortcuts emit no ``module_start``/``module_complete`` events: their hosts' results
  come from the call's return value (a dict, a list of ``ExecuteResult``, per-host outcomes).
* FTL2's native modules and remote hosts ignore ``_ansible_check_mode``: under ``--check``
  those calls are not made at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .locality import is_local

Deferred = Callable[[], Awaitable[Any]]
PING_OK = {"changed": False, "ping": "pong"}
# Modules FTL2 runs natively or on the target whatever the check mode: never run under --check.
_IGNORES_CHECK_MODE = frozenset(("shell", "copy", "template", "fetch", "command", "raw", "script"))


class PerHostOutcomes(dict[str, Any]):
    """Return values (or exceptions) of a shortcut called once per host (FTL2 emits no events for them)."""


@dataclass
class HostOutput:
    """One host's raw FTL2 outcome, before it is shaped into an Ansible result."""

    success: bool
    output: Any
    error: str | None = None
    exception: BaseException | None = None


def run_on_hosts(context: Any, hosts: list[str], module: str, params: Mapping[str, Any]) -> Deferred:
    """A deferred call of FTL2's per-host path (``run_on``) on exactly these hosts."""
    configs = [h for h in context.hosts.all if h.name in hosts]
    if module.rsplit(".", 1)[-1] == "ping" and not params:
        # What FTL2's own group ping runs (`echo pong` through the gate), reported as Ansible's ping.
        return lambda: context.run_on(configs, "command", cmd="echo pong")
    return lambda: context.run_on(configs, module, **params)


def honours_check_mode(module: str, hosts: list[str], context: Any) -> bool:
    """Only Ansible modules FTL2 runs on this machine get (and honour) ``_ansible_check_mode``.

    (Ansible's modules ftl2-runner sends through the gate get it too: the router chooses those first.)
    """
    from ftl2.ftl_modules import get_module

    short = module.rsplit(".", 1)[-1]
    if short == "ping":
        return True  # FTL2 answers ping without changing anything, locally or remotely
    if get_module(module) is not None or get_module(short) is not None or short in _IGNORES_CHECK_MODE:
        return False
    return all(is_local(h, context) for h in hosts)


def event_output(action: str, event: Mapping[str, Any]) -> Any:
    """A ``module_complete`` event's output, as the module the script called would return it."""
    output = event.get("output")
    if action.rsplit(".", 1)[-1] == "ping" and event.get("module") == "command" and event.get("success"):
        return dict(PING_OK)  # FTL2 implements host ping as `echo pong`
    if str(event.get("module", "")).startswith("ftl2_runner_ansible.") and isinstance(output, dict):
        # Our bundle of Ansible's module (remote_modules.py): the gate adds the process's rc, Ansible does not.
        from .remote_modules import module_result

        return module_result(output)
    return output


def outputs_from_return(returned: Any, pending: list[str]) -> dict[str, HostOutput]:
    """Results of hosts FTL2 emitted no event for, read from what the call returned."""
    if isinstance(returned, PerHostOutcomes):
        outputs = {}
        for host, value in returned.items():
            if isinstance(value, BaseException):
                outputs[host] = HostOutput(False, {"changed": False}, f"{type(value).__name__}: {value}", value)
            else:
                outputs[host] = _one(value[0] if isinstance(value, list) and value else value)
        return outputs
    by_host: dict[str, Any] = {}
    if isinstance(returned, list):
        for item in returned:
            name = getattr(item, "host", None)
            if isinstance(name, str):
                by_host[name] = item
    outputs = {}
    for host in pending:
        value = by_host.get(host, returned)
        if isinstance(value, list):
            value = next((r for r in value if isinstance(r, dict) or hasattr(r, "success")), {"results": value})
        outputs[host] = _one(value)
    return outputs


def _one(value: Any) -> HostOutput:
    if hasattr(value, "output") and hasattr(value, "success"):  # an FTL2 ExecuteResult
        output = value.output
        if str(getattr(value, "module", "")).startswith("ftl2_runner_ansible.") and isinstance(output, dict):
            from .remote_modules import module_result  # our bundle of Ansible's module: without the gate's keys

            output = module_result(output)
        return HostOutput(bool(value.success), output, getattr(value, "error", None))
    if isinstance(value, dict):
        rc = value.get("rc", 0)
        return HostOutput(not value.get("failed") and rc in (0, None), value)
    return HostOutput(True, {"changed": False})


def short_name(module: str) -> str:
    if module.startswith(("ansible.builtin.", "ansible.legacy.")):
        return module.rsplit(".", 1)[-1]
    return module


def native_for_pattern(ctx: Any, pattern: str, module: str, params: Mapping[str, Any]) -> Any:
    """FTL2's own proxy call for a play's pattern when FTL2 knows it as a host or group, else None."""
    if pattern not in ("localhost", "local") and pattern not in ctx.hosts:
        return None
    obj = ctx[pattern]
    try:
        for part in module.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        return None
    return lambda: obj(**params)


def is_connection_error(exc: BaseException) -> bool:
    return "Connection" in type(exc).__name__


def ansible_module_on_remote_hosts(
    context: Any, short: str, hosts: list[str], params: Mapping[str, Any], flags: Mapping[str, Any] | None = None
) -> Deferred | None:
    """Ansible's own module ``short`` on these remote hosts, through FTL2's ``run_on`` with our bundle of it.

    ``flags``: the ``_ansible_*`` arguments ansible-core gives every module (check mode, diff,
    verbosity), which FTL2 never sets remotely. None when FTL2's bundle cache is not what
    :mod:`.remote_modules` expects (the call then goes to FTL2 as written).
    """
    from .remote_modules import WITH_TASK_TMPDIR, module_name_for

    name = module_name_for(context, short)
    args = {**params, **(flags or {})}
    if short in WITH_TASK_TMPDIR:
        args["_ftl2_runner_tmpdir"] = True
    return run_on_hosts(context, hosts, name, args) if name is not None else None
