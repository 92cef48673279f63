"""Makes every module call a script makes through FTL2 one Ansible task.

FTL2's ``on_event`` callback is not enough on its own: it has no notion of a task, reports
host ``ping`` as ``command``, and says nothing at all for its shadowed shortcuts or for modules
it refuses. So the script gets a proxy over FTL2's ``AutomationContext``: attribute chains are
forwarded to FTL2 unchanged (FTL2 still decides what ``ftl.web.ping`` means), and the final
call becomes a :class:`~ftl2_runner.executor.tasks.spec.CallSpec` handed to the task executor,
with FTL2's own call kept as the *native* way to run it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from ..display.diagnostics import named_after_call, script_call_site
from ..tasks.spec import CallSpec, task_options

if TYPE_CHECKING:
    from ..tasks.executor import TaskExecutor

# Methods of FTL2's HostScopedProxy that run a module-like action (everything else on it,
# e.g. watch/monitor/on, passes through untracked).
_SHADOWED_ACTIONS = {"ping", "shell", "copy", "template", "fetch", "wait_for_connection", "wait_for_ssh"}
# Module names ftl2-runner runs itself because FTL2 refuses them (actions/local_actions.py).
LOCAL_ACTIONS = {
    f"{prefix}{name}"
    for name in ("debug", "set_fact", "set_stats", "assert", "fail", "pause", "include_vars")
    for prefix in ("", "ansible.builtin.", "ansible.legacy.")
}

# Action names that are Python keywords, written with PEP 8's trailing underscore: `ftl.localhost.assert_(...)`.
KEYWORD_ACTIONS = {"assert_": "assert"}


class TrackedAutomation:
    """The ``ftl`` object scripts get from ``runner.automation()``."""

    def __init__(self, context: Any, executor: TaskExecutor):
        self._ftl_context = context
        self._executor = executor

    @property
    def context(self) -> Any:
        """The underlying FTL2 ``AutomationContext`` (calls through it are not tracked)."""
        return self._ftl_context

    def __getattr__(self, name: str) -> Any:
        ctx = self._ftl_context
        name = KEYWORD_ACTIONS.get(name, name)
        if name.startswith("_") or hasattr(type(ctx), name) or name in vars(ctx):
            if name in ("run_on", "execute"):
                return getattr(self, f"_tracked_{name}")
            return getattr(ctx, name)
        if name in LOCAL_ACTIONS:
            return _CallChain(self._executor, None, (name,), None)
        return _CallChain(self._executor, getattr(ctx, name), (name,), _host_target(ctx, name))

    def __getitem__(self, name: str) -> _CallChain:
        return _CallChain(self._executor, self._ftl_context[name], (name,), name)

    def _tracked_run_on(self, hosts: Any, module_name: str, **params: Any) -> Awaitable[Any]:
        """FTL2's ``run_on``: one task on the hosts; like FTL2's, it returns a list (HostResults) and never raises
        for its hosts' failures outside a play."""
        names = [hosts] if isinstance(hosts, str) else [getattr(h, "name", str(h)) for h in _as_list(hosts)]
        spec = CallSpec(
            target=",".join(names),
            module=module_name,
            options=task_options.get(),
            origin=script_call_site(),
            single_host=False,
            returns_failures=True,
        )
        native = lambda: self._ftl_context.run_on(hosts, module_name, **params)  # noqa: E731
        return named_after_call(self._executor.run_task(spec, params, native), spec.origin)

    def _tracked_execute(self, module_name: str, params: dict[str, Any]) -> Awaitable[Any]:
        spec = CallSpec(target="localhost", module=module_name, options=task_options.get(), origin=script_call_site(), single_host=True)
        native = lambda: self._ftl_context.execute(module_name, params)  # noqa: E731
        return named_after_call(self._executor.run_task(spec, params, native), spec.origin)

    def add_host(self, hostname: str, *args: Any, groups: list[str] | None = None, **kwargs: Any) -> Any:
        """FTL2's ``add_host``: the host joins FTL2's inventory and the job's (Ansible's ``add_host``), so
        ``ftl.<host>``, its groups and host patterns find it, with its variables."""
        config = self._ftl_context.add_host(hostname, *args, groups=groups, **kwargs)
        self._executor.plays.add_host(hostname, groups or ["ungrouped"], _added_host_vars(config))
        return config

    async def remove_host(self, hostname: str) -> None:
        """FTL2's ``remove_host``: gone from FTL2's inventory and the job's."""
        await self._ftl_context.remove_host(hostname)
        self._executor.plays.remove_host(hostname)

    def __repr__(self) -> str:
        return f"TrackedAutomation({self._ftl_context!r})"


def _added_host_vars(config: Any) -> dict[str, Any]:
    """The variables of a host FTL2's ``add_host`` made, as Ansible's inventory holds them."""
    variables: dict[str, Any] = {}
    for name in ("ansible_host", "ansible_port", "ansible_user", "ansible_connection", "ansible_python_interpreter"):
        value = getattr(config, name, None)
        if value not in (None, ""):
            variables[name] = value
    if getattr(config, "ansible_become", False):
        variables["ansible_become"] = True
        variables["ansible_become_user"] = getattr(config, "ansible_become_user", "root")
    variables.update(getattr(config, "vars", {}) or {})
    return variables


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


def names_one_host(ctx: Any, target: str) -> bool:
    """Whether a target names a single host (its call returns one result) rather than a group."""
    if target in ("local", "localhost"):
        return True
    try:
        return target not in ctx.hosts.groups and target in ctx.hosts.keys()
    except Exception:
        return False


class _CallChain:
    """An attribute chain (``ftl.web.ansible.builtin.ping``) that becomes a task when called."""

    def __init__(self, executor: TaskExecutor, obj: Any, path: tuple[str, ...], host_target: str | None):
        self._executor = executor
        self._obj = obj
        self._path = path
        self._host_target = host_target

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        name = KEYWORD_ACTIONS.get(name, name)
        if self._host_target is not None and len(self._path) == 1:
            # On a host proxy: real methods that are not module-like pass straight through.
            cls_attr = getattr(type(self._obj), name, None)
            if cls_attr is not None and name not in _SHADOWED_ACTIONS:
                return getattr(self._obj, name)
        next_path = self._path + (name,)
        module_path = next_path[1:] if self._host_target is not None else next_path
        if ".".join(module_path) in LOCAL_ACTIONS:
            return _CallChain(self._executor, None, next_path, self._host_target)
        return _CallChain(self._executor, getattr(self._obj, name), next_path, self._host_target)

    def __call__(self, **params: Any) -> Awaitable[Any]:
        if self._host_target is None and len(self._path) not in (1, 3):
            # `ftl.nosuchhost.command`: no module has a two-part (or four-part) name, so the first name was
            # meant as a host or group; FTL2 would run "nosuchhost.command" on localhost and fail obscurely.
            from ..display.diagnostics import UsageError

            raise UsageError(
                f"ftl.{'.'.join(self._path)}(...): the inventory has no host or group named {self._path[0]!r}"
                " (and no module is named that way)"
            )
        module = ".".join(self._path[1:] if self._host_target is not None else self._path)
        executor = self._executor
        default = executor.plays.default_target() if self._host_target is None else None
        if default is not None and not default[1]:
            return _nothing()  # the script's hosts: pattern matched no host: skipped, as Ansible skips the play
        target = self._host_target or (default[0] if default else "localhost")
        context = executor.plays.context
        spec = CallSpec(
            target=target,
            module=module,
            options=task_options.get(),
            origin=script_call_site(),
            single_host=names_one_host(context, target) or (default is not None and default[1] == [target]),
            # FTL2 raises for a failed call on this machine (ftl.x, ftl.localhost.x) and for a host's ping that
            # reaches no host; it returns the failures of the other calls on inventory hosts
            returns_failures=self._host_target is not None
            and self._host_target not in ("local", "localhost")
            and module.rsplit(".", 1)[-1] != "ping",
        )
        if module in LOCAL_ACTIONS:
            return named_after_call(executor.run_local_action(spec, params), spec.origin)
        if self._obj is None or not callable(self._obj):
            raise TypeError(f"{'.'.join(self._path)} is not callable")
        native: Any = lambda: self._obj(**params)  # noqa: E731
        if default is not None and default[1] != ["localhost"]:
            # `hosts: web` and an untargeted ftl.ping(): FTL2's own proxy for the pattern's hosts, if it has one.
            native = _native_on(context, default[0], default[1], self._path, params)
        return named_after_call(executor.run_task(spec, params, native), spec.origin)

    def __repr__(self) -> str:
        return f"<ftl2-runner call {'.'.join(self._path)}>"


def _native_on(ctx: Any, pattern: str, hosts: list[str], path: tuple[str, ...], params: dict[str, Any]) -> Any:
    """FTL2's own proxy for one host or a group it knows (``ftl.r1.x``, ``ftl.web.x``), else None (run_on)."""
    name = hosts[0] if len(hosts) == 1 else pattern
    try:
        if name not in ctx.hosts:
            raise KeyError(name)
        obj = ctx[name]
        for part in path:
            obj = getattr(obj, part)
    except (KeyError, AttributeError):
        return None
    return lambda: obj(**params)


async def _nothing() -> list[Any]:
    return []
