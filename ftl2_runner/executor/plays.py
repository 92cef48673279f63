"""Plays: explicit (``runner.play``) and implicit, and the hosts a target pattern names.

Ansible output is organised in plays, a script is not; so a call outside
``runner.play(...)`` opens an implicit play named after its target, the way an
unnamed play is named after its ``hosts:``. A play whose pattern matches no host
reports it like Ansible (a warning, the banner, ``skipping: no hosts matched``) and
every call made through its handle is skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .events import PlaybookRecorder

if TYPE_CHECKING:
    from .task_executor import TaskExecutor


class PlayTracker:
    def __init__(self, recorder: PlaybookRecorder, inventory: Any, hosts: list[str] | None = None):
        self.recorder = recorder
        self.inventory = inventory  # ftl2_runner.inventory.Inventory (Ansible semantics)
        self.allowed = list(hosts) if hosts is not None else None  # after --limit
        self.context: Any = None  # the FTL2 AutomationContext, once runner.automation() is open
        self.explicit = False
        self._implicit_pattern: str | None = None
        self.default_pattern: str | None = None  # the script's `hosts:` line: target of calls naming no host

    def ensure_play(self, target: str) -> None:
        if self.explicit:
            return
        if self.recorder.play is None or self._implicit_pattern != target:
            self.recorder.play_start(target, target)
            self._implicit_pattern = target

    def default_target(self) -> tuple[str, list[str]] | None:
        """``(pattern, hosts)`` for a call that names no host, when the script declares ``hosts:``.

        Inside ``runner.play(...)`` the play's own pattern applies instead. An empty host
        list means the pattern matched nothing: the call is skipped as Ansible skips a play.
        """
        if self.default_pattern is None or self.explicit:
            return None
        pattern = self.default_pattern
        matched = self.match(pattern)
        if not matched and self._implicit_pattern != pattern:
            self.recorder.warning(f"Could not match supplied host pattern, ignoring: {pattern}")
            self.recorder.play_start(pattern, pattern)
            self.recorder.no_hosts_matched()
            self._implicit_pattern = pattern
        return pattern, matched

    def start(self, name: str | None, pattern: str) -> list[str] | None:
        """Open an explicit play; returns the matched hosts (None when unknown)."""
        matched = self.match(pattern)
        if matched == []:
            self.recorder.warning(f"Could not match supplied host pattern, ignoring: {pattern}")
        self.recorder.play_start(name if name is not None else pattern, pattern)
        if matched == []:
            self.recorder.no_hosts_matched()
        self.explicit = True
        return matched

    def end(self) -> None:
        self.explicit = False
        self._implicit_pattern = None

    # --- host patterns -------------------------------------------------------------------

    def hosts_of(self, target: str) -> list[str]:
        if target in ("localhost", "local"):
            return ["localhost"]
        return self.match(target) or [target]

    def is_local(self, host: str) -> bool:
        """Whether a host runs on this machine (localhost or ansible_connection=local)."""
        if host in ("localhost", "local", "127.0.0.1"):
            return True
        if self.context is None:
            return False
        try:
            configs = self.context.hosts[host]
        except KeyError:
            return False
        return bool(configs) and all(getattr(c, "is_local", False) for c in configs)

    def run_on_hosts(self, hosts: list[str], module: str, params: dict[str, Any]) -> Any:
        """A deferred call of FTL2's per-host path (``run_on``) on exactly these hosts."""
        context = self.context
        configs = [h for h in context.hosts.all if h.name in hosts]
        if module.rsplit(".", 1)[-1] == "ping" and not params:
            # What FTL2's own group ping runs (`echo pong` through the gate); the task executor reports
            # it as Ansible's ping result, exactly as for `ftl.<group>.ping()`.
            return lambda: context.run_on(configs, "command", cmd="echo pong")
        return lambda: context.run_on(configs, module, **params)

    def host_var(self, host: str, name: str) -> Any:
        """A variable of the FTL2 host config (after our inventory translation), or None."""
        if self.context is None:
            return None
        try:
            configs = self.context.hosts[host]
        except KeyError:
            return None
        return configs[0].vars.get(name) if configs else None

    def match(self, pattern: str) -> list[str]:
        """Hosts an Ansible host pattern selects, within ``--limit``, in inventory order.

        The pattern rules are the inventory model's (``ftl2_runner.inventory.model``); a
        pattern naming only ``localhost`` falls back to Ansible's implicit localhost.
        """
        matched = self.inventory.match(pattern)
        if self.allowed is not None:
            matched = [h for h in matched if h in self.allowed]
        if not matched and pattern.strip() in ("localhost", "127.0.0.1"):
            return ["localhost"]
        return matched


class PlayHandle:
    """Returned by ``runner.play(...)``: ``await play.command(cmd=...)`` runs on the play's hosts."""

    def __init__(self, name: str, pattern: str, hosts: list[str] | None, executor: TaskExecutor, tracker: PlayTracker,
                 ftl: Any = None):
        self._ftl = ftl
        self.name = name
        self.pattern = pattern
        self._hosts = hosts
        self._executor = executor
        self._tracker = tracker

    @property
    def hosts(self) -> list[str]:
        """Names of the hosts the play's pattern matched."""
        if self._hosts is None:
            return self._tracker.hosts_of(self.pattern)
        return list(self._hosts)

    def __getattr__(self, module: str) -> Any:
        if module.startswith("_"):
            raise AttributeError(module)
        return _PlayModuleCall(self, module)

    def __repr__(self) -> str:
        return f"<play {self.name!r} hosts={self.pattern!r}>"


class _PlayModuleCall:
    def __init__(self, play: PlayHandle, module: str):
        self._play = play
        self._module = module

    def __getattr__(self, name: str) -> _PlayModuleCall:
        if name.startswith("_"):
            raise AttributeError(name)
        return _PlayModuleCall(self._play, f"{self._module}.{name}")

    def __call__(self, **params: Any) -> Any:
        from .diagnostics import named_after_call
        from .tracking import script_call_site, task_options

        origin = script_call_site()
        return named_after_call(self._run(params, task_options.get(), origin), origin)

    async def _run(self, params: dict[str, Any], options: Any, origin: tuple[str, int, int]) -> Any:
        from .tracking import LOCAL_ACTIONS, CallSpec, task_options

        play = self._play
        hosts = play.hosts
        if not hosts:
            return []  # no hosts matched: Ansible skips the play's tasks
        spec = CallSpec(target=play.pattern, module=self._module, options=options, origin=origin)
        executor = play._executor
        if self._module in LOCAL_ACTIONS:
            return await executor.run_local_action(spec, params)
        context = play._tracker.context
        if play._ftl is not None and (play.pattern in ("localhost", "local") or play.pattern in context.hosts):
            call = play._ftl[play.pattern]
            for part in self._module.split("."):
                call = getattr(call, part)
            token = task_options.set(options)
            try:
                pending = call(**params)
            finally:
                task_options.reset(token)
            return await pending
        return await executor.run_task(spec, params, play._tracker.run_on_hosts(hosts, self._module, params))
