"""Calls ftl2-runner makes itself instead of FTL2, where FTL2 0.4.7 cannot do what Ansible does.

The task executor asks :func:`override` before running a call; ``None`` means "let FTL2 run
it". Otherwise the returned coroutine function runs the call and returns
``{host: result}`` (``ftl2.quirks.PerHostOutcomes``), one result dict per host:

* ``setup`` / ``gather_facts``: FTL2 cannot run ``setup`` (relative-import crash) and its
  ``gather_facts`` is a documentation stub returning ``{}``; on hosts that run on this machine
  the real module is run as a package module (:mod:`..ftl2.ansible_modules`).
* FTL2's host shortcuts (``shell``, ``copy``, ``template``, ``fetch``) treat a host as local only
  when it is *named* ``local``/``localhost``: ``app1 ansible_connection=local`` is contacted over
  SSH. For hosts whose connection is local, the call goes through FTL2's ``localhost`` proxy.
* ``uri``/``get_url``: FTL2's native versions (HTTP only, FTL2's own result keys) are replaced
  on local hosts by Ansible's modules, run with the task's temporary directory; so are
  ``service_facts``, ``user`` and ``group``, which FTL2 refuses for requirements it misreads.
* ``package``: FTL2 refuses it (a requirement misread from its documentation); on local hosts the
  action picks the package manager and runs its module, as Ansible's does (:mod:`.package_action`).
* ``script``: FTL2 has only the module's documentation stub, which runs nothing; the action is done
  as Ansible's does it (:mod:`.script_action`), on local hosts and through FTL2's gate on remote ones.
* ``--check``: FTL2's native ``copy``/``file`` ignore check mode and would change the host;
  Ansible's prediction is computed instead (:mod:`.check_mode`).
* ``template`` on local hosts: FTL2's shortcut renders with its keyword arguments only; the
  template is rendered as on remote hosts, with the host's variables (:mod:`.template_action`),
  and written by FTL2's ``copy`` (predicted under ``--check``, with ``copy``'s diff under ``--diff``).
* ``--diff``: Ansible modules get ``_ansible_diff`` (FTL2 never sets it), ``file`` is run as
  Ansible's own module, ``copy`` and ``template`` report the content diff Ansible's actions compute.
* ``file`` where FTL2's native module fails (it refuses to retarget a symlink, and words its
  failures its own way): Ansible's own module answers instead.
* ``copy``/``template`` on remote hosts: FTL2 writes over an SFTP connection of its own and reports
  its own keys; the actions are done as Ansible does them, step by step with Ansible's modules
  through FTL2's gate (:mod:`.remote_copy_action`), ``--check`` and ``--diff`` included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..display import diff
from ..ftl2 import ansible_modules
from ..ftl2.locality import FTL2_LOCAL_NAMES
from ..ftl2.quirks import short_name
from . import check_mode, package_action, remote_copy_action, script_action, template_action, user_result

_FACT_MODULES = frozenset(("setup", "gather_facts"))
# FTL2 HostScopedProxy methods that decide "local" by the host's name.
_NAME_LOCAL_SHORTCUTS = frozenset(("shell", "copy", "template", "fetch"))
# Native FTL2 modules with a stand-in that honours check mode / diff on local hosts.
_ANSIBLE_FILE_MODULES = frozenset(("file",))

# On local hosts, Ansible's own modules: FTL2's native uri/get_url speak only HTTP(S) and return their own
# keys; FTL2 refuses service_facts, user and group for requirements its documentation parser invents
# (packages "Any", "useradd", "groupadd"...); FTL2's native pip/dnf/dnf5 report in their own keys.
_ANSIBLE_LOCAL_MODULES = frozenset(("uri", "get_url", "service_facts", "user", "group", "pip", "dnf", "dnf5"))

PerHost = Callable[[], Awaitable[dict[str, Any]]]
# On remote hosts, Ansible's copy/template actions done by ftl2-runner with Ansible's modules through FTL2's gate.
_REMOTE_ACTIONS = {"copy": remote_copy_action.run_copy, "template": remote_copy_action.run_template}


def override(
    context: Any,
    settings: Any,
    module: str,
    hosts: list[str],
    params: Mapping[str, Any],
    is_local: Callable[[str], bool],
    variables: Callable[[str], Mapping[str, Any]] = lambda host: {},
) -> PerHost | None:
    """The call to make instead of FTL2's for ``module`` on ``hosts`` (those the task runs on), or None."""
    if context is None:
        return None
    short = short_name(module)

    if "." in short:
        return None  # a collection module: FTL2's
    if not hosts:
        return None
    if short in _REMOTE_ACTIONS and not any(is_local(h) for h in hosts) and remote_copy_action.handles(params):
        action = _REMOTE_ACTIONS[short]
        return _each(hosts, lambda host: action(context, host, dict(params), settings, variables(host)), preshaped=True)
    if short == "script":  # FTL2's is a stub that runs nothing: the action, here or through the gate
        return _each(hosts, lambda host: _script(context, host, dict(params), settings, is_local(host), variables(host)), preshaped=True)
    if settings.check_mode and short in ("command", "shell"):
        # ansible-core runs the command module in check mode: nothing runs, creates/removes still decide.
        args = dict(params, _uses_shell=True) if short == "shell" else dict(params)
        return _each(hosts, lambda host: _command_in_check_mode(context, host, args, settings, is_local(host)), preshaped=True)
    if not all(is_local(h) for h in hosts):
        return None
    params = dict(params)
    if short in _FACT_MODULES:
        return _each(hosts, lambda host: gather_facts(params, settings.check_mode, settings.verbosity), preshaped=True)
    if short in _ANSIBLE_LOCAL_MODULES:
        return _each(hosts, lambda host: _ansible_local_module(short, params, settings), preshaped=True)
    if short == "package":  # FTL2 refuses it for a requirement it misreads; the action picks the manager
        return _each(
            hosts,
            lambda host: package_action.run_local(params, variables(host), settings.check_mode, settings.diff, settings.verbosity),
            preshaped=True,
        )
    localhost = context["localhost"]
    if short == "template":  # rendered with the host's variables, as on remote hosts; written by FTL2's copy
        if settings.check_mode:
            return _each(hosts, lambda host: template_action.check(params, variables(host), settings.diff))
        return _each(hosts, lambda host: template_action.run_local(localhost, params, variables(host), settings.diff))
    if settings.check_mode:
        predict = check_mode.prediction(short, params, settings.diff)
        if predict is not None:
            return _each(hosts, lambda host: predict())
    if settings.diff or settings.check_mode:
        if short in _ANSIBLE_FILE_MODULES:
            return _each(hosts, lambda host: _file_module(params, settings), preshaped=True)
    if short == "copy" and check_mode.unchanged_copy(params):
        # Ansible's answer is its file module's view of the destination (diff included with --diff).
        return _each(hosts, lambda host: _as_coroutine(check_mode.copy_prediction(params, settings.diff)))
    if settings.diff and short == "copy":
        return _each(hosts, lambda host: diff.copy_with_diff(localhost, params))
    if short in _ANSIBLE_FILE_MODULES:
        return _each(hosts, lambda host: _native_file_else_ansibles(params, settings))
    if short in _NAME_LOCAL_SHORTCUTS and any(h not in FTL2_LOCAL_NAMES for h in hosts):
        return _each(hosts, lambda host: getattr(localhost, short)(**params))
    if settings.diff and not _is_ftl2_native(short) and short not in ("ping", "debug"):
        return _each(
            hosts,
            lambda host: ansible_modules.run_local(short, params, settings.check_mode, settings.diff, settings.verbosity),
            preshaped=True,
        )
    return None


async def _command_in_check_mode(context: Any, host: str, args: Mapping[str, Any], settings: Any, local: bool) -> Any:
    """Ansible's ``command`` module in check mode on one host: here, or through FTL2's gate."""
    if local:
        return await ansible_modules.run_local("command", args, True, settings.diff, settings.verbosity)
    from ..ftl2 import remote_modules

    out = await remote_modules.run_module(
        context, host, "command", ansible_modules.module_args(args, True, settings.diff, settings.verbosity)
    )
    return ansible_modules.with_output_lines(out) if isinstance(out, dict) else out


async def _script(context: Any, host: str, params: Mapping[str, Any], settings: Any, local: bool, variables: Mapping[str, Any]) -> Any:
    """Ansible's ``script`` action on one host: on this machine, or through FTL2's gate (``ansible_host``: the
    address OpenSSH's closing notice names)."""
    playbook_dir = str(variables.get("playbook_dir") or "") or None
    if local:
        return await script_action.run_local(params, settings.check_mode, playbook_dir=playbook_dir)
    address = str(variables.get("ansible_host") or host)
    return await script_action.run_remote(context, host, params, settings.check_mode, address=address, playbook_dir=playbook_dir)


async def _ansible_local_module(short: str, params: Mapping[str, Any], settings: Any) -> dict[str, Any]:
    """One of Ansible's modules FTL2 ships, run here with the task's temporary directory."""
    out = await ansible_modules.run_local(short, params, settings.check_mode, settings.diff, settings.verbosity, tmpdir=True)
    return user_result.with_groups(out) if short == "user" else out  # FTL2's user module is older than 2.21's


async def _file_module(params: Mapping[str, Any], settings: Any) -> dict[str, Any]:
    """Ansible's own ``file`` module (results are put in ansible-core's key order by shaping)."""
    return await ansible_modules.run_local("file", params, settings.check_mode, settings.diff, settings.verbosity)


async def _native_file_else_ansibles(params: Mapping[str, Any], settings: Any) -> Any:
    """FTL2's in-process ``file`` where it succeeds; Ansible's own module where it does not.

    FTL2's native ``file`` is fast and gives Ansible's answer when it succeeds, but refuses things
    Ansible does (it will not retarget an existing symlink without ``force``), words its failures
    its own way (``File does not exist`` for ``state: file``) and takes fewer arguments. It fails
    before changing anything, so then Ansible's module is asked, and its answer is reported. The
    native function is called directly: through FTL2's context it would also emit its own event.
    """
    from ftl2.ftl_modules import get_module

    from .shaping import PRESHAPED

    native = get_module("file") if _native_file_agrees(params) else None
    try:
        out = native(**params) if native is not None else None
    except Exception:  # FTLModuleError, or an argument FTL2's version does not take
        out = None
    if isinstance(out, dict) and not out.get("failed"):
        return out
    return dict(await _file_module(params, settings), **{PRESHAPED: True})


def _native_file_agrees(params: Mapping[str, Any]) -> bool:
    """Whether FTL2's native ``file`` would do what Ansible's does with ``params``, when it succeeds.

    Not for links (FTL2 links to a missing source, which Ansible refuses without ``force``) nor
    for ``touch`` under a missing directory (FTL2 creates the directory, Ansible fails).
    """
    import os

    state = params.get("state")
    if state in (None, "file", "directory", "absent"):
        return True
    path = params.get("path") or params.get("dest")
    return state == "touch" and isinstance(path, str) and os.path.isdir(os.path.dirname(os.path.abspath(path)))


async def _as_coroutine(value: Any) -> Any:
    return value


def _is_ftl2_native(short: str) -> bool:
    from ftl2.ftl_modules import get_module

    return get_module(short) is not None or short in _NAME_LOCAL_SHORTCUTS or short in ("command", "raw", "script")


def _each(hosts: list[str], call: Callable[[str], Awaitable[Any]], preshaped: bool = False) -> PerHost:
    """Run ``call`` for every host at once; ``preshaped`` results are Ansible's own and are not reshaped.

    (The task executor has already sent every host's ``runner_on_start``, as Ansible's linear
    strategy queues a task on all hosts before any result arrives.)
    """
    from ..ftl2.quirks import PerHostOutcomes
    from .shaping import PRESHAPED

    async def run_all() -> dict[str, Any]:
        import asyncio

        outcomes = await asyncio.gather(*(call(h) for h in hosts), return_exceptions=True)
        if preshaped:
            outcomes = [dict(o, **{PRESHAPED: True}) if isinstance(o, dict) else o for o in outcomes]
        return PerHostOutcomes(zip(hosts, outcomes, strict=True))

    return run_all


async def gather_facts(params: Mapping[str, Any], check: bool, verbosity: int) -> dict[str, Any]:
    """Ansible's ``setup`` result: ``ansible_facts`` with the keys the controller adds."""
    args = {k: v for k, v in params.items() if k not in ("parallel",)}
    out = await ansible_modules.run_local("setup", args, check, False, verbosity)
    if out.get("failed"):
        return out
    from .shaping import shape_facts

    return shape_facts({**out, "ansible_facts": out.get("ansible_facts", {})})
