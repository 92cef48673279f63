"""Plays: explicit (``runner.play``), implicit and batched (``serial``), and the hosts a pattern names.

Ansible output is organised in plays, a script is not; so a call outside
``runner.play(...)`` opens an implicit play named after its target, the way an
unnamed play is named after its ``hosts:``. A play whose pattern matches no host
reports it like Ansible (a warning, the banner, ``skipping: no hosts matched``) and
every call made through its handle is skipped. A play's ``any_errors_fatal`` and
``max_fail_percentage`` decide when one host's failure ends the play for all.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..display.events import PlaybookRecorder
from ..tasks.blocks import PlayHosts
from ..tasks.handlers import PlayHandlers
from ..vars.magic import PlayMagic
from ..vars.variables import HostVariables

if TYPE_CHECKING:
    from ..tasks.executor import TaskExecutor


@dataclass
class PlayOptions:
    """Ansible's play keywords that change how failures end a play, and the play's own variables."""

    any_errors_fatal: bool = False
    max_fail_percentage: float | None = None
    vars: Mapping[str, Any] = field(default_factory=dict)  # the play's `vars:`
    vars_files: list[Any] = field(default_factory=list)  # the play's `vars_files:` (a list entry: the first that exists)
    environment: Mapping[str, Any] | None = None  # the play's `environment:`, under its blocks' and tasks'
    order: str = "inventory"  # the play's `order:`: the order its hosts run each task in
    strategy: str = "linear"  # the play's `strategy:` (`free`: task banners come with a host's first result)


# ansible-core 2.21's free strategy (plugins/strategy/free.py): the keywords it does not honour.
FREE_IGNORES = "Using %s with the free strategy is not supported, as tasks are executed independently on each host"


class PlayTracker:
    def __init__(self, recorder: PlaybookRecorder, inventory: Any, hosts: list[str] | None = None):
        self.recorder = recorder
        self.inventory = inventory  # ftl2_runner.inventory.Inventory (Ansible semantics)
        self.allowed = list(hosts) if hosts is not None else None  # after --limit
        self.context: Any = None  # the FTL2 AutomationContext, once runner.automation() is open
        self.explicit = False
        self._implicit_pattern: str | None = None
        self.default_pattern: str | None = None  # the script's `hosts:` line: target of calls naming no host
        self.options = PlayOptions()
        self._play_hosts: list[str] = []
        self.handlers: PlayHandlers | None = None  # the explicit play's handlers (runner.handler)
        self.added: list[str] = []  # hosts the script added (ftl.add_host), in the order it added them
        self.variables: HostVariables | None = None  # the variable plane: the play's vars and magic variables
        self.removed: Callable[[], set[str]] = set  # the hosts that failed so far (out of the play)
        self.host_states: PlayHosts | None = None  # which hosts are still in the play (the task executor's)
        self._warned: set[str] = set()  # warnings shown once per job, as ansible-core's Display shows each

    def _open_variables(self, name: str, hosts_all: list[str], batch: list[str], options: PlayOptions) -> None:
        """The play's magic variables, ``vars`` and ``vars_files`` (read per host, with its variables)."""
        variables = self.variables
        if variables is None:
            return
        play = variables.open_play(PlayMagic(name, list(hosts_all), list(batch), self.removed), options.vars)
        if options.vars_files:
            from ..vars.variables import Layer
            from ..vars.vars_files import read_vars_files

            playbook_dir = variables.playbook_dir
            for host in batch:
                view = variables.of(host)
                files = read_vars_files(options.vars_files, playbook_dir, functools.partial(_render_with, view), variables.secrets)
                play.files[host] = Layer(files, True)

    def ensure_play(self, target: str) -> None:
        if self.explicit:
            return
        if self.recorder.play is None or self._implicit_pattern != target:
            if self.host_states is not None:
                self.host_states.new_play()
            self.recorder.play_start(target, target)
            self._implicit_pattern = target
            self.options = PlayOptions()
            self._play_hosts = self.hosts_of(target)
            self._open_variables(target, self._play_hosts, self._play_hosts, self.options)

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

    def start(
        self,
        name: str | None,
        pattern: str,
        options: PlayOptions | None = None,
        hosts: list[str] | None = None,
        play_uuid: str | None = None,
        hosts_all: list[str] | None = None,
        batch_index: int = 0,
    ) -> list[str] | None:
        """Open an explicit play; returns the matched hosts (None when unknown).

        ``hosts`` narrows the play to a batch (``serial``) of ``hosts_all``; ``play_uuid`` reuses the
        play's uuid for every batch, as Ansible does (``batch_index``: which batch; 0 is a new play).
        """
        if self.host_states is not None:
            if batch_index:
                self.host_states.new_batch()
            else:
                self.host_states.new_play()
        in_inventory = self.match(pattern) if hosts is None else None
        matched = hosts if in_inventory is None else in_play_order(in_inventory, options.order if options else "inventory")
        if matched == []:
            self.recorder.warning(f"Could not match supplied host pattern, ignoring: {pattern}")
        self.recorder.play_start(name if name is not None else pattern, pattern, play_uuid=play_uuid)
        if matched == []:
            self.recorder.no_hosts_matched()
        self.explicit = True
        self.options = options or PlayOptions()
        self.recorder.free_strategy = self.options.strategy == "free"
        self._play_hosts = list(matched or [])
        self.handlers = PlayHandlers()
        # ansible_play_hosts_all and ansible_play_hosts keep the inventory's order; ansible_play_batch the play's
        everyone = hosts_all if hosts_all is not None else (in_inventory if in_inventory is not None else self._play_hosts)
        self._open_variables(name if name is not None else pattern, everyone, self._play_hosts, self.options)
        if matched and self.options.strategy == "free" and self.options.max_fail_percentage is not None:
            self.warn_once(FREE_IGNORES % "max_fail_percentage")  # ansible-core's free strategy, as it starts
        return matched

    def warn_once(self, message: str) -> None:
        """A warning the job shows once however often it is given (ansible-core's Display deduplicates them)."""
        if message not in self._warned:
            self._warned.add(message)
            self.recorder.warning(message)

    def task_queued(self) -> None:
        """A task is about to start: ansible-core's free strategy warns, as it queues a task of an
        ``any_errors_fatal`` play, that it ignores the keyword."""
        if self.options.strategy == "free" and self.options.any_errors_fatal:
            self.warn_once(FREE_IGNORES % "any_errors_fatal")

    @property
    def play_hosts(self) -> list[str]:
        """The open play's hosts, in inventory order (this batch's, under ``serial``)."""
        return list(self._play_hosts)

    def current_pattern(self) -> str | None:
        """The pattern of the play that is open (explicit or implicit), if any."""
        play = self.recorder.play
        return play.pattern if play is not None else None

    def end(self) -> None:
        if self.variables is not None:
            self.variables.close_play()
        self.handlers = None
        self.recorder.free_strategy = False
        self.explicit = False
        self._implicit_pattern = None
        self.options = PlayOptions()

    def fatal_failure(self, failed: list[str], out_of_play: set[str]) -> str | None:
        """Whether this task's failures end the play for every host, and why.

        ``any_errors_fatal``: any failure. ``max_fail_percentage``: more than that share of the
        play's hosts have failed so far (Ansible then prints ``NO MORE HOSTS LEFT``). Neither under
        ``strategy: free``, whose hosts run on their own: ansible-core warns and ignores both.
        """
        if not failed or self.options.strategy == "free":
            return None
        if self.options.any_errors_fatal:
            return "any_errors_fatal"
        limit = self.options.max_fail_percentage
        if limit is not None and self._play_hosts:
            failed_so_far = {h for h in self._play_hosts if h in out_of_play} | set(failed)
            if 100.0 * len(failed_so_far) / len(self._play_hosts) > float(limit):
                return "max_fail_percentage"
        return None

    # --- hosts the script adds ---------------------------------------------------------------

    def add_host(self, name: str, groups: list[str], variables: dict[str, Any]) -> None:
        """Ansible's ``add_host``: the host (in ``groups``) is in the job's inventory from now on, ``--limit`` or not."""
        inventory = self.inventory
        for group in groups:
            known = group in inventory.groups
            inventory.add_host(name, group, variables)
            if not known and group not in ("all", "ungrouped"):
                inventory.add_child("all", group)
        if "ungrouped" not in groups and "ungrouped" in inventory.groups and name in inventory.groups["ungrouped"].hosts:
            inventory.groups["ungrouped"].hosts.remove(name)
        if self.allowed is not None and name not in self.allowed:
            self.allowed.append(name)
        if name not in self.added:
            self.added.append(name)

    def remove_host(self, name: str) -> None:
        inventory = self.inventory
        inventory.host_vars.pop(name, None)
        for group in inventory.groups.values():
            if name in group.hosts:
                group.hosts.remove(name)
        for names in (self.allowed, self.added):
            if names is not None and name in names:
                names.remove(name)

    # --- host patterns -------------------------------------------------------------------

    def hosts_of(self, target: str) -> list[str]:
        if target in ("localhost", "local"):
            return ["localhost"]
        if "," in target and target not in self.inventory.host_vars:
            # run_on with several hosts: the target is their names
            names = [t for t in target.split(",") if t]
            if all(n in self.inventory.host_vars or n == "localhost" for n in names):
                return names
        return self.match(target) or [target]

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


ORDERS = ("inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle")


def in_play_order(hosts: list[str], order: str) -> list[str]:
    """The play's hosts in its ``order:``, as ansible-core's inventory hands them to the play (and its batches)."""
    if order == "reverse_inventory":
        return hosts[::-1]
    if order == "sorted":
        return sorted(hosts)
    if order == "reverse_sorted":
        return sorted(hosts, reverse=True)
    if order == "shuffle":
        import random

        return random.sample(hosts, len(hosts))
    return list(hosts)


STRATEGIES = ("linear", "free")


def checked_strategy(strategy: str) -> str:
    """``strategy`` if ftl2-runner runs it (Ansible's ``linear`` and ``free``); else the script stops at its line."""
    if strategy not in STRATEGIES:
        from ..display.diagnostics import UsageError

        raise UsageError(f"strategy={strategy!r}: ftl2-runner runs Ansible's {' and '.join(STRATEGIES)} strategies")
    return strategy


def checked_order(order: str) -> str:
    """``order`` if Ansible knows it; else the script stops at its line (Ansible refuses such a play)."""
    if order not in ORDERS:
        from ..display.diagnostics import UsageError

        raise UsageError(f"order={order!r} is not one of Ansible's play orders: {', '.join(ORDERS)}")
    return order


def _render_with(variables: Mapping[str, Any], text: str) -> Any:
    from ..vars.conditions import render

    return render(text, variables)


class PlayHandle:
    """Returned by ``runner.play(...)``: ``await play.command(cmd=...)`` runs on the play's hosts."""

    def __init__(self, name: str, pattern: str, hosts: list[str] | None, executor: TaskExecutor, tracker: PlayTracker):
        self.name = name
        self.pattern = pattern
        self._hosts = hosts
        self._executor = executor
        self._tracker = tracker

    @property
    def hosts(self) -> list[str]:
        """Names of the hosts the play's pattern matched (this batch's, under ``serial``)."""
        if self._hosts is None:
            return self._tracker.hosts_of(self.pattern)
        return list(self._hosts)

    def __getattr__(self, module: str) -> Any:
        if module.startswith("_"):
            raise AttributeError(module)
        from .calls import KEYWORD_ACTIONS

        return _PlayModuleCall(self, KEYWORD_ACTIONS.get(module, module))

    def __repr__(self) -> str:
        return f"<play {self.name!r} hosts={self.pattern!r}>"

    async def each_host(self, body: Callable[[PlayHandle], Awaitable[Any]]) -> None:
        """``strategy: free``: ``await body(host)`` for each of the play's hosts at once, ``host`` a handle on
        that host alone, so a fast host runs ahead through the body's tasks while a slow one is still at an
        earlier one, as under Ansible's free strategy. The n-th time hosts reach a call of the body it is one
        task (one ``task_uuid``); its banner comes with its first result after another task's.

        Under ``linear`` Ansible runs each task on every host before the next, so this is refused there.
        """
        import asyncio

        from ...script import TaskFailed
        from ..display.diagnostics import UsageError
        from ..tasks.spec import host_body_calls

        if self._tracker.options.strategy != "free":
            raise UsageError(
                "play.each_host(...) runs each host through the body on its own, which is Ansible's strategy free: "
                "open the play with runner.play(..., strategy='free')"
            )
        executor = self._executor
        own_ids = executor.task_ids is None
        if own_ids:
            executor.task_ids = {}  # a serial play's are kept: the same task in each batch keeps its uuid

        async def one_host(host: str) -> None:
            host_body_calls.set({})
            try:
                await body(PlayHandle(self.name, self.pattern, [host], executor, self._tracker))
            except TaskFailed as failed:
                # The host left the play; the others go on, as under free (whose strategy ignores
                # any_errors_fatal and max_fail_percentage: PlayTracker.fatal_failure).
                executor.hosts.fail(failed.hosts)

        try:
            async with asyncio.TaskGroup() as group:
                for host in self.hosts:
                    group.create_task(one_host(host))
        except ExceptionGroup as errors:
            raise errors.exceptions[0] from None  # the script sees the first host's error, as from a plain call
        finally:
            if own_ids:
                executor.task_ids = None

    async def run_module(self, module: str, params: dict[str, Any], options: Any, origin: tuple[str, int, int]) -> Any:
        """``play.<module>(**params)``: one task on the play's hosts (this batch's, under ``serial``)."""
        from ..ftl2.quirks import native_for_pattern
        from ..tasks.spec import CallSpec
        from .calls import LOCAL_ACTIONS, names_one_host

        hosts = self.hosts
        if not hosts:
            return []  # no hosts matched: Ansible skips the play's tasks
        context = self._tracker.context
        batch = self._hosts is not None and self._hosts != self._tracker.match(self.pattern)
        target = ",".join(hosts) if batch else self.pattern
        spec = CallSpec(target=target, module=module, options=options, origin=origin, single_host=names_one_host(context, self.pattern))
        if module in LOCAL_ACTIONS:
            return await self._executor.run_local_action(spec, params)
        native = None if batch or context is None else native_for_pattern(context, self.pattern, module, params)
        return await self._executor.run_task(spec, params, native)


class _PlayModuleCall:
    """``play.ansible.builtin.copy``: an attribute chain naming a module, run when called."""

    def __init__(self, play: PlayHandle, module: str):
        self._play = play
        self._module = module

    def __getattr__(self, name: str) -> _PlayModuleCall:
        if name.startswith("_"):
            raise AttributeError(name)
        from .calls import KEYWORD_ACTIONS

        return _PlayModuleCall(self._play, f"{self._module}.{KEYWORD_ACTIONS.get(name, name)}")

    def __call__(self, **params: Any) -> Any:
        from ..display.diagnostics import named_after_call, script_call_site
        from ..tasks.spec import task_options

        origin = script_call_site()
        return named_after_call(self._play.run_module(self._module, params, task_options.get(), origin), origin)
