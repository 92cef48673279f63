"""The one decision of which call runs a task on its hosts: FTL2's own, an Ansible module, or an action of ours.

The task executor asks :func:`route` once per call (once per host when the arguments differ per
host) and runs what it answers; nothing else chooses. A list mixing local and remote hosts is
asked about as two lists where the module runs differently on each (:func:`parts`: ``copy``,
``template``, ``uri``, ``get_url``), so each host takes the path it takes in an all-local or an
all-remote list. The answer is a :class:`Route`:

**An action of ftl2-runner's** (``by == ACTION``), where FTL2 0.4.7 cannot do what Ansible does.
Its coroutine returns ``{host: result}`` (:class:`..ftl2.quirks.PerHostOutcomes`); FTL2's events
during it are its steps (a remote copy's ``stat``), which neither the task nor the script sees:

* ``copy``/``template`` on remote hosts: FTL2 writes over an SFTP connection of its own and reports
  its own keys; the actions are done as Ansible does them, step by step with Ansible's modules
  through FTL2's gate (:mod:`.remote_copy_action`), ``--check``, ``--diff`` and a directory ``src``
  (:mod:`.source_tree`) included.
* ``setup``/``gather_facts``, ``uri``, ``get_url``, ``service_facts``, ``user``, ``group``,
  ``pip``, ``dnf5`` and ``file`` on hosts that run on this machine: Ansible's own modules
  (:mod:`.local_modules`).
* ``package`` (FTL2 refuses it) and ``dnf`` (FTL2's native module never asks which manager the host
  has), and ``script`` (FTL2's is a stub that runs nothing) on local and remote hosts: the actions as
  Ansible's do them (:mod:`.package_action`, :mod:`.script_action`; remotely through FTL2's gate).
* a task's ``environment:`` (FTL2 0.4.7 has no per-call environment): each host's module as Ansible's
  own with that environment in its process, here or through FTL2's gate (:mod:`.task_environment`).
* ``--check`` (the job's, or the task's ``check_mode:``): FTL2's native ``file`` ignores check mode
  and would change the host; it runs as Ansible's module instead (``copy``/``template`` are Ansible's
  actions, which stop after the comparison), and ``command``/``shell`` run as Ansible's module in
  check mode (nothing runs), here or through the gate.
* ``copy``/``template`` on local hosts too: FTL2's local ``copy`` reports its own keys and ignores
  check mode and an unchanged file's attributes; the same action runs Ansible's modules here.
* ``--diff``: Ansible modules get ``_ansible_diff`` (FTL2 never sets it), ``file`` is run as
  Ansible's own module, ``copy`` and ``template`` report the content diff Ansible's actions compute.
* FTL2's host shortcuts (``shell``, ``copy``, ``template``, ``fetch``) treat a host as local only
  when it is *named* ``local``/``localhost``: ``app1 ansible_connection=local`` is contacted over
  SSH. For hosts whose connection is local, the call goes through FTL2's ``localhost`` proxy.

**Ansible's module through FTL2's gate** (``by == ANSIBLE``): ``setup``, ``file``, ``stat``,
``uri``, ``get_url``, ``pip``, ``dnf5`` and every plain Ansible module FTL2 has no native version of (``lineinfile``,
``find``...: :func:`..ftl2.remote_modules.is_plain_ansible_module`) on remote hosts run as Ansible's own modules, FTL2's ``run_on`` carrying
our bundle of them (:mod:`..ftl2.remote_modules`); FTL2's events report them to the task.

Both kinds are FTL2's record of the call all the same (``ftl.results``, the script's ``on_event``,
FTL2's policy), under the module the script named: the router wraps them in
:meth:`..ftl2.bookkeeping.Bookkeeping.own_call`, and records a skip's hosts (:func:`record_skipped`).
FTL2 keeps its own record of the calls it runs as written.

* ``async:`` on a task, and ``async_status``: the module detached on the host and checked as
  ansible-core's task executor does (:mod:`.async_action`; its host half ``ftl2/async_job.py``).

**Nothing** (``by == SKIP``): under ``--check``, a module FTL2 would run anyway (its native
modules, remote hosts) is skipped with Ansible's ``does not support check mode``.

**FTL2's own call** (``by == FTL2``): the call the script wrote (``native``) when it runs on the
whole target; FTL2's per-host path (``run_on``) when the task runs on fewer hosts than the target
names (failed hosts, a block's hosts, a ``when`` false on some); for a group's ``shell`` (FTL2 runs
it on the first host only) ``run_on`` too. (``copy`` and ``template`` never take this path: they are
Ansible's actions on every host, above.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..ftl2 import ansible_modules, bookkeeping, quirks
from ..ftl2.bookkeeping import Bookkeeping
from ..ftl2.locality import FTL2_LOCAL_NAMES
from ..ftl2.quirks import Deferred, PerHostOutcomes, short_name
from ..ftl2.remote_modules import is_plain_ansible_module
from . import (
    async_action,
    local_modules,
    package_action,
    remote_copy_action,
    script_action,
    task_environment,
)

FTL2 = "ftl2"  # FTL2's own call: its events report the task's hosts
ANSIBLE = "ansible"  # Ansible's module through FTL2's gate: FTL2's events report it
ACTION = "action"  # ftl2-runner runs it: the results come from its return value
SKIP = "skip"  # nothing runs: every host gets ``Route.skip``

_FACT_MODULES = frozenset(("setup", "gather_facts"))
# FTL2 HostScopedProxy methods that decide "local" by the host's name.
_NAME_LOCAL_SHORTCUTS = frozenset(("shell", "copy", "template", "fetch"))
# Native FTL2 modules with a stand-in that honours check mode / diff on local hosts.
_ANSIBLE_FILE_MODULES = frozenset(("file",))
# On local hosts, Ansible's own modules: FTL2's native uri/get_url speak only HTTP(S) and return their own
# keys; FTL2 refuses service_facts, user and group for requirements its documentation parser invents
# (packages "Any", "useradd", "groupadd"...); FTL2's native pip/dnf5 report in their own keys (dnf: package_action).
_ANSIBLE_LOCAL_MODULES = frozenset(("uri", "get_url", "service_facts", "user", "group", "pip", "dnf5"))
# Ansible's copy/template actions done by ftl2-runner with Ansible's modules, here or through FTL2's gate (FTL2's
# own write over an SFTP connection of their own remotely, and report FTL2's keys, ignore check mode and an
# unchanged file's attributes locally).
_FILE_ACTIONS = {"copy": remote_copy_action.run_copy, "template": remote_copy_action.run_template}
# On remote hosts, Ansible's own modules through FTL2's gate where FTL2's remote run differs (actions with no
# plugin of their own for these calls): FTL2 runs file/stat as its lean modules, uri/get_url as its HTTP-only
# ones, setup dies on its relative imports and gather_facts is a stub; its native pip/dnf5 report in their own keys.
REMOTE_AS_ANSIBLE = frozenset(("setup", "file", "stat", "uri", "get_url", "pip", "dnf5"))
# Modules whose call is not the same on local and remote hosts: a list mixing both is routed as two lists (:func:`parts`).
_BY_LOCALITY = frozenset(("copy", "template", "uri", "get_url"))


@dataclass(frozen=True)
class Route:
    """What runs a task's call on some of its hosts, and who reports it."""

    by: str  # FTL2, ANSIBLE, ACTION or SKIP
    call: Deferred | None = None
    skip: Mapping[str, Any] = field(default_factory=dict)  # SKIP: the result each host gets


@dataclass
class Job:
    """What the router consults about the job: FTL2's context, the job's settings, the hosts' variables."""

    context: Any  # FTL2's AutomationContext, or None outside runner.automation()
    settings: Any  # JobSettings: check_mode, diff, verbosity
    is_local: Callable[[str], bool]
    variables: Callable[[str], Mapping[str, Any]] = lambda host: {}
    flags: Mapping[str, Any] = field(default_factory=dict)  # the _ansible_* arguments of every module call
    book: Bookkeeping | None = None  # FTL2's record of the script's calls, kept by the calls FTL2 does not run
    async_spec: async_action.AsyncSpec | None = None  # the task's `async:`/`poll:` (None: not an async task)


def route(
    job: Job,
    module: str,
    target: str,
    hosts: list[str],
    target_hosts: list[str],
    params: Mapping[str, Any],
    native: Deferred | None,
    alone: bool = False,
    environment: Mapping[str, str] | None = None,
) -> Route:
    """Which call runs ``module`` on ``hosts`` (those of ``target_hosts`` the task runs on).

    ``native`` is FTL2's own way to make the call the script wrote on the whole target; ``alone``:
    this call is one host's, its arguments rendered for that host (the target is then the host).
    ``environment``: the task's ``environment:`` rendered for the one host of an ``alone`` call
    (:func:`uses_environment` says which modules take it).
    """
    context = job.context
    if context is not None and environment is not None and uses_environment(module):
        call = _with_environment(job, module, hosts[0], params, environment)
        return Route(ACTION, _recorded(job, module, hosts, params, call, steps=True))
    if context is not None:
        action = _action(job, module, hosts, params)
        if action is not None:  # its FTL2 events are its steps: the task reads its return value
            return Route(ACTION, _recorded(job, module, hosts, params, action, steps=True))
        remote = _remote_ansible(job, module, hosts, params)
        if remote is not None:  # FTL2's events report the task, under our bundle's module name
            return Route(ANSIBLE, _recorded(job, module, hosts, params, remote, steps=False))
    if job.settings.check_mode and not quirks.honours_check_mode(module, hosts, context):
        short = module.rsplit(".", 1)[-1]
        return Route(SKIP, skip={"changed": False, "msg": f"remote module ({short}) does not support check mode", "skipped": True})
    if context is None:
        return Route(FTL2, native)
    if alone:  # FTL2's own call on this one host (its shortcut, e.g. copy content=)
        target, target_hosts = hosts[0], hosts
        native = quirks.native_for_pattern(context, hosts[0], module, params)
    return Route(FTL2, _ftl2_call(job, target, module, hosts, target_hosts, params, native))


def parts(job: Job, module: str, hosts: list[str]) -> list[list[str]]:
    """The host lists one call with one set of arguments is routed as: its hosts together, or, for a module that
    runs one way on this machine and another through FTL2's gate, its local hosts and its remote hosts apart, so
    that each host takes the path it takes in an all-local or an all-remote list."""
    short = short_name(module)
    if job.context is None or short not in _BY_LOCALITY:
        return [hosts]
    local = [h for h in hosts if job.is_local(h)]
    remote = [h for h in hosts if not job.is_local(h)]
    return [part for part in (local, remote) if part]


def uses_environment(module: str) -> bool:
    """Whether a task's ``environment:`` reaches ``module``: ansible-core applies it where a module runs on
    the host, not to actions done on the controller (``debug``, ``set_fact``...), whose tasks never render it."""
    return task_environment.applies(module)


def _with_environment(job: Job, module: str, host: str, params: Mapping[str, Any], environment: Mapping[str, str]) -> Deferred:
    """Ansible's module (or ``script``) on one host with its task's environment, here or through FTL2's gate
    (FTL2 0.4.7 has no per-call environment: actions/task_environment.py)."""
    variables = job.variables(host)
    local = job.is_local(host)
    address = None if local else str(variables.get("ansible_host") or host)
    playbook_dir = str(variables.get("playbook_dir") or "") or None
    return task_environment.call(job.context, job.settings, module, host, params, dict(environment), local, address, playbook_dir)


def record_skipped(job: Job, module: str, hosts: list[str], params: Mapping[str, Any], skip: Mapping[str, Any]) -> None:
    """A ``SKIP`` route's hosts in FTL2's record: the call reached them, and was answered without running."""
    if job.book is not None:
        import time

        for host in hosts:
            job.book.start(module, host, params, policy=False)  # nothing runs: nothing for a policy to deny
            job.book.record(module, host, True, skip, "", params, time.time())


def _recorded(job: Job, module: str, hosts: list[str], params: Mapping[str, Any], call: Deferred, steps: bool) -> Deferred:
    """A call FTL2 does not run as the script wrote it, kept in FTL2's record as if it had (ftl2/bookkeeping.py)."""
    if job.book is None:
        return bookkeeping.as_steps(call) if steps else call
    return job.book.own_call(module, hosts, params, call, steps)


def _ftl2_call(
    job: Job, target: str, module: str, hosts: list[str], target_hosts: list[str], params: Mapping[str, Any], native: Deferred | None
) -> Deferred:
    """FTL2's path for the call: a shortcut FTL2 gets wrong rerouted, the script's own call, or ``run_on``."""
    context = job.context
    if module == "shell" and target not in FTL2_LOCAL_NAMES:
        if not (len(hosts) == 1 and job.is_local(hosts[0])):
            return quirks.run_on_hosts(context, hosts, module, params)  # a group's shell runs on its first host only
    if native is not None and list(hosts) == list(target_hosts):
        return native
    return quirks.run_on_hosts(context, hosts, module, params)


def _remote_ansible(job: Job, module: str, hosts: list[str], params: Mapping[str, Any]) -> Deferred | None:
    """Ansible's own module through FTL2's gate, where every host is remote and FTL2's run differs."""
    short = short_name(module)
    short = "setup" if short == "gather_facts" else short
    if not hosts or any(job.is_local(h) for h in hosts):
        return None
    if short not in REMOTE_AS_ANSIBLE and not is_plain_ansible_module(short):
        return None  # FTL2's own module, or one an action plugin wraps
    return quirks.ansible_module_on_remote_hosts(job.context, short, hosts, params, job.flags)


def _action(job: Job, module: str, hosts: list[str], params: Mapping[str, Any]) -> Callable[[], Awaitable[Any]] | None:
    """The action ftl2-runner runs instead of FTL2's call, or None."""
    short = short_name(module)
    settings, context, variables = job.settings, job.context, job.variables
    if "." in short:
        return None  # a collection module: FTL2's
    if not hosts:
        return None
    if short == "async_status":  # Ansible's action: its defaults, the module on the host, the job's file
        return _each(hosts, lambda host: async_action.status_action(context, host, job.is_local(host), params), preshaped=True)
    if job.async_spec is not None:  # `async:`: the module detached on the host, polled as ansible-core polls
        spec = job.async_spec
        return _each(
            hosts,
            lambda host: async_action.run(context, host, job.is_local(host), short, params, job.flags, spec),
            preshaped=True,
        )
    if short in _FILE_ACTIONS:  # Ansible's copy/template action on every host, here or through FTL2's gate
        action = _FILE_ACTIONS[short]
        return _each(hosts, lambda host: action(context, host, dict(params), settings, variables(host), job.is_local(host)), preshaped=True)
    if short == "script":  # FTL2's is a stub that runs nothing: the action, here or through the gate
        return _each(
            hosts, lambda host: _script(context, host, dict(params), settings, job.is_local(host), variables(host)), preshaped=True
        )
    if settings.check_mode and short in ("command", "shell"):
        # ansible-core runs the command module in check mode: nothing runs, creates/removes still decide.
        args = dict(params, _uses_shell=True) if short == "shell" else dict(params)
        return _each(hosts, lambda host: _command_in_check_mode(context, host, args, settings, job.is_local(host)), preshaped=True)
    if short in package_action.ACTIONS:  # a manager chosen from the host's facts: its module here or through the gate
        return _each(
            hosts,
            lambda host: package_action.run(short, context, host, dict(params), settings, variables(host), job.is_local(host)),
            preshaped=True,
        )
    if not all(job.is_local(h) for h in hosts):
        return None
    params = dict(params)
    if short in _FACT_MODULES:
        return _each(hosts, lambda host: local_modules.gather_facts(params, settings.check_mode, settings.verbosity), preshaped=True)
    if short in _ANSIBLE_LOCAL_MODULES:
        return _each(hosts, lambda host: local_modules.ansible_module(short, params, settings), preshaped=True)
    localhost = context["localhost"]
    if settings.diff or settings.check_mode:
        if short in _ANSIBLE_FILE_MODULES:
            return _each(hosts, lambda host: local_modules.file_module(params, settings), preshaped=True)
    if short in _ANSIBLE_FILE_MODULES:
        return _each(hosts, lambda host: local_modules.native_file_else_ansibles(params, settings))
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


def _is_ftl2_native(short: str) -> bool:
    from ftl2.ftl_modules import get_module

    return get_module(short) is not None or short in _NAME_LOCAL_SHORTCUTS or short in ("command", "raw", "script")


def _each(hosts: list[str], call: Callable[[str], Awaitable[Any]], preshaped: bool = False) -> Callable[[], Awaitable[PerHostOutcomes]]:
    """Run ``call`` for every host at once; ``preshaped`` results are Ansible's own and are not reshaped.

    (The task executor has already sent every host's ``runner_on_start``, as Ansible's linear
    strategy queues a task on all hosts before any result arrives.)
    """
    from .shaping import PRESHAPED

    async def run_all() -> PerHostOutcomes:
        import asyncio

        outcomes = await asyncio.gather(*(call(h) for h in hosts), return_exceptions=True)
        if preshaped:
            outcomes = [dict(o, **{PRESHAPED: True}) if isinstance(o, dict) else o for o in outcomes]
        return PerHostOutcomes(zip(hosts, outcomes, strict=True))

    return run_all
