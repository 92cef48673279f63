"""Makes every module call a script makes through FTL2 one Ansible task with per-host events.

FTL2's ``on_event`` callback is not enough on its own: it has no notion of a task,
reports host ``ping`` as ``command``, and says nothing at all for its shadowed
shortcuts (``shell``/``copy``/``fetch`` on host proxies) or for modules it refuses.
So the script gets a proxy over FTL2's ``AutomationContext``: attribute chains are
forwarded to FTL2 unchanged (FTL2 still decides what ``ftl.web.ping`` means), and
the final call is wrapped in a *task*. FTL2's per-host events are routed to the
task that is running through a context variable, which also keeps concurrent calls
(``asyncio.gather``) apart. Hosts FTL2 said nothing about get their result from the
call's return value or exception.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..script import TaskFailed as _TaskFailed
from .diagnostics import named_after_call
from .events import Task

if TYPE_CHECKING:
    from .task_executor import TaskExecutor as ScriptRunner

current_task: contextvars.ContextVar[Task | None] = contextvars.ContextVar("ftl2_runner_task", default=None)

# Methods of FTL2's HostScopedProxy that run a module-like action (everything else on it,
# e.g. watch/monitor/on, passes through untracked).
_SHADOWED_ACTIONS = {"ping", "shell", "copy", "template", "fetch", "wait_for_connection", "wait_for_ssh"}
# Module names implemented by ftl2-runner itself because FTL2 refuses them.
LOCAL_ACTIONS = {"debug", "ansible.builtin.debug", "ansible.legacy.debug"}


@dataclass
class TaskOptions:
    """What ``runner.task(...)`` set for the calls inside its block."""

    name: str | None = None
    ignore_errors: bool = False
    when: bool = True
    tags: tuple[str, ...] = ()
    no_log: bool = False


# Set by ``runner.task(...)``; read when a call is *made* (not when it is awaited), so
# ``with runner.task("x"): coro = ftl.y()`` names the task even if awaited later.
task_options: contextvars.ContextVar[TaskOptions | None] = contextvars.ContextVar("ftl2_runner_task_options", default=None)


@dataclass
class CallSpec:
    """What a script call targets and runs, resolved from its attribute chain."""

    target: str
    module: str
    options: TaskOptions | None = None
    origin: tuple[str, int, int] | None = None  # the script line that made the call


class TrackedAutomation:
    """The ``ftl`` object scripts get from ``runner.automation()``."""

    def __init__(self, context: Any, runner: ScriptRunner):
        self._ftl_context = context
        self._runner = runner

    @property
    def context(self) -> Any:
        """The underlying FTL2 ``AutomationContext`` (calls through it are not tracked)."""
        return self._ftl_context

    def __getattr__(self, name: str) -> Any:
        ctx = self._ftl_context
        if name.startswith("_") or hasattr(type(ctx), name) or name in vars(ctx):
            if name in ("run_on", "execute"):
                return getattr(self, f"_tracked_{name}")
            return getattr(ctx, name)
        if name in LOCAL_ACTIONS:
            return _CallChain(self._runner, None, (name,), None)
        return _CallChain(self._runner, getattr(ctx, name), (name,), _host_target(ctx, name))

    def __getitem__(self, name: str) -> _CallChain:
        return _CallChain(self._runner, self._ftl_context[name], (name,), name)

    def _tracked_run_on(self, hosts: Any, module_name: str, **params: Any) -> Awaitable[Any]:
        target = hosts if isinstance(hosts, str) else ",".join(getattr(h, "name", str(h)) for h in _as_list(hosts))
        spec = CallSpec(target=target, module=module_name, options=task_options.get(), origin=script_call_site())
        return named_after_call(
            self._runner.run_task(spec, params, lambda: self._ftl_context.run_on(hosts, module_name, **params)), spec.origin)

    def _tracked_execute(self, module_name: str, params: dict[str, Any]) -> Awaitable[Any]:
        spec = CallSpec(target="localhost", module=module_name, options=task_options.get(), origin=script_call_site())
        return named_after_call(
            self._runner.run_task(spec, params, lambda: self._ftl_context.execute(module_name, params)), spec.origin)

    def __repr__(self) -> str:
        return f"TrackedAutomation({self._ftl_context!r})"


def _as_list(hosts: Any) -> list[Any]:
    return [hosts] if not isinstance(hosts, (list, tuple)) else list(hosts)


def _host_target(ctx: Any, name: str) -> str | None:
    """The host/group an attribute names, using FTL2's own resolution order."""
    if name in ("local", "localhost"):
        return "localhost"
    try:
        hosts = ctx.hosts
        if name in hosts.groups or name in hosts.keys():
            return name
        dashed = name.replace("_", "-")
        if dashed != name and (dashed in hosts.groups or dashed in hosts.keys()):
            return dashed
    except Exception:
        return None
    return None


class _CallChain:
    """An attribute chain (``ftl.web.ansible.builtin.ping``) that becomes a task when called."""

    def __init__(self, runner: ScriptRunner, obj: Any, path: tuple[str, ...], host_target: str | None):
        self._runner = runner
        self._obj = obj
        self._path = path
        self._host_target = host_target

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._host_target is not None and len(self._path) == 1:
            # On a host proxy: real methods that are not module-like pass straight through.
            cls_attr = getattr(type(self._obj), name, None)
            if cls_attr is not None and name not in _SHADOWED_ACTIONS:
                return getattr(self._obj, name)
        next_path = self._path + (name,)
        module_path = next_path[1:] if self._host_target is not None else next_path
        if ".".join(module_path) in LOCAL_ACTIONS:
            return _CallChain(self._runner, None, next_path, self._host_target)
        return _CallChain(self._runner, getattr(self._obj, name), next_path, self._host_target)

    def _module_path(self) -> tuple[str, ...]:
        return self._path[1:] if self._host_target is not None else self._path

    def __call__(self, **params: Any) -> Awaitable[Any]:
        module = ".".join(self._module_path())
        default = self._runner.plays.default_target() if self._host_target is None else None
        if default is not None and not default[1]:
            return _nothing()  # the script's hosts: pattern matched no host: skipped, as Ansible skips the play
        target = self._host_target or (default[0] if default else "localhost")
        spec = CallSpec(target=target, module=module, options=task_options.get(), origin=script_call_site())
        if module in LOCAL_ACTIONS:
            return named_after_call(self._runner.run_local_action(spec, params), spec.origin)
        if self._obj is None or not callable(self._obj):
            raise TypeError(f"{'.'.join(self._path)} is not callable")
        rerouted = self._runner.reroute_shortcut(spec, params)
        if rerouted is not None:
            return named_after_call(self._runner.run_task(spec, params, rerouted), spec.origin)
        if default is not None and default[1] != ["localhost"]:
            # `hosts: web` and an untargeted ftl.ping(): run it on the pattern's hosts, not this machine,
            # the way the same call on an explicit target runs.
            call = self._on_default_hosts(default[0], default[1], module, params)
            return named_after_call(self._runner.run_task(spec, params, call), spec.origin)
        return named_after_call(self._runner.run_task(spec, params, lambda: self._obj(**params)), spec.origin)

    def _on_default_hosts(self, pattern: str, hosts: list[str], module: str,
                          params: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        """FTL2's own proxy for one host or a group it knows (``ftl.r1.x``, ``ftl.web.x``), else run_on."""
        plays = self._runner.plays
        ctx = plays.context
        name = hosts[0] if len(hosts) == 1 else pattern
        try:
            if name not in ctx.hosts:
                raise KeyError(name)
            obj = ctx[name]
            for part in self._path:
                obj = getattr(obj, part)
        except (KeyError, AttributeError):
            return plays.run_on_hosts(hosts, module, params)
        return lambda: obj(**params)

    def __repr__(self) -> str:
        return f"<ftl2-runner call {'.'.join(self._path)}>"


async def _nothing() -> list[Any]:
    return []


def call_site(skip_dirs: tuple[str, ...]) -> tuple[str, int, int]:
    """``(file, line, column)`` of the script line that made the current call.

    Used for ``task_path`` and the ``Origin:`` line of failures, so users can find
    the call in their script the way Ansible points at the YAML task.
    """
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(skip_dirs) and not filename.startswith("<"):
            column = 1
            try:
                positions = list(frame.f_code.co_positions())[frame.f_lasti // 2]
                if positions[2] is not None:
                    column = positions[2] + 1
            except (IndexError, ValueError):
                pass
            return filename, frame.f_lineno, column
        frame = frame.f_back
    return "<unknown>", 0, 0


def _site_packages_of(package: str) -> str:
    import importlib.util
    import os

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return "\0"
    return os.path.dirname(list(spec.submodule_search_locations)[0])


_skip_dirs: tuple[str, ...] | None = None


def script_call_site() -> tuple[str, int, int]:
    """The call site outside ftl2-runner, FTL2 and the standard library."""
    global _skip_dirs
    if _skip_dirs is None:
        import os

        package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        _skip_dirs = (package_dir, _site_packages_of("ftl2"), os.path.dirname(contextvars.__file__))
    return call_site(_skip_dirs)


def run_with_task(task: Task, call: Callable[[], Awaitable[Any]]) -> Awaitable[Any]:
    """Run ``call`` with ``task`` as the current task for FTL2 events it triggers."""

    async def _runner() -> Any:
        token = current_task.set(task)
        try:
            return await call()
        finally:
            current_task.reset(token)

    return _runner()


def __getattr__(name: str) -> Any:
    # The old home of TaskFailed, which docs once told scripts to import: still works, with a warning.
    if name == "TaskFailed":
        import warnings

        warnings.warn("import TaskFailed from ftl2_runner.script; ftl2_runner.executor.tracking is internal",
                      DeprecationWarning, stacklevel=2)
        return _TaskFailed
    raise AttributeError(name)


__all__ = ["CallSpec", "TrackedAutomation", "call_site", "current_task", "run_with_task"]
