"""The ``runner`` object a script's ``run(inventory_path, extravars, runner)`` receives.

Public surface (documented in docs/scripts.md):

* ``runner.automation(**kw)`` – ``ftl2.automation`` with the job's inventory, check mode
  and the settings a worker needs (quiet, no log/state files); every module call made
  through it is reported as an Ansible task.
* ``runner.play(name=None, hosts=...)`` – a play; the handle runs modules on its hosts.
* ``runner.task(name, ignore_errors=False, when=True)`` – names (and conditions) the calls
  inside the block, as ``- name:`` / ``ignore_errors:`` / ``when:`` do in a playbook.
* ``runner.loop(items)`` – ``async for item in runner.loop(...)``: one task, one item event per call.
* ``runner.emit_event({...})``, ``runner.warning(msg)``, ``runner.display(msg)`` –
  custom output that shows up in AWX like Ansible's (any event name; unknown ones are
  sent as ``verbose``).
* ``runner.default_hosts`` – the script's ``hosts:`` line: the pattern calls naming no host run on.
* ``inventory_path``, ``extravars``, ``check_mode``, ``verbosity``, ``limit``,
  ``script_path`` – the job's settings.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..inventory import Inventory
from .events import PlaybookRecorder
from .plays import PlayHandle, PlayTracker
from .task_executor import LoopState, TaskExecutor, loop_state
from .tracking import TaskOptions, TrackedAutomation, task_options


@dataclass
class JobSettings:
    """What the job asked for (from the ansible-playbook-like command line)."""

    inventory_path: str | None = None
    extravars: dict[str, Any] = field(default_factory=dict)
    check_mode: bool = False
    diff: bool = False
    verbosity: int = 0
    limit: str | None = None
    forks: int | None = None
    tags: list[str] = field(default_factory=list)
    skip_tags: list[str] = field(default_factory=list)
    start_at_task: str | None = None
    host_defaults: dict[str, Any] = field(default_factory=dict)  # -u / -b / --become-user


class ScriptRunner:
    """Bridges one script run to the event stream."""

    def __init__(self, recorder: PlaybookRecorder, settings: JobSettings, script_path: str,
                 inventory: Inventory | None = None, hosts: list[str] | None = None,
                 default_hosts: str | None = None):
        self._recorder = recorder
        self._settings = settings
        self.script_path = script_path
        self._inventory = inventory if inventory is not None else Inventory().finish()
        self._hosts = hosts if hosts is not None else self._inventory.hosts
        self._plays = PlayTracker(recorder, self._inventory, self._hosts)
        # The script's `hosts:` line (or its launcher's hosts): where calls naming no host run.
        self._plays.default_pattern = default_hosts
        self._executor = TaskExecutor(recorder, settings, self._plays)
        self._ftl: TrackedAutomation | None = None

    # --- job settings -------------------------------------------------------------------

    @property
    def inventory_path(self) -> str | None:
        return self._settings.inventory_path

    @property
    def extravars(self) -> dict[str, Any]:
        return self._settings.extravars

    @property
    def check_mode(self) -> bool:
        return self._settings.check_mode

    @property
    def verbosity(self) -> int:
        return self._settings.verbosity

    @property
    def limit(self) -> str | None:
        return self._settings.limit

    @property
    def default_hosts(self) -> str | None:
        """The host pattern of the script's ``hosts:`` line (or its launcher's ``hosts``), if any."""
        return self._plays.default_pattern

    # --- automation -----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def automation(self, **kwargs: Any) -> AsyncIterator[TrackedAutomation]:
        """``ftl2.automation(**kwargs)`` wired to the job.

        ``fail_fast`` (default True) has Ansible's meaning here: when a task fails on
        every host it ran on, ``TaskFailed`` is raised into the script, which ends the
        job with the recap and rc 2 unless the script catches it.
        """
        import ftl2

        from ..gate import ensure_gate_installer, seed_gate_cache

        seed_gate_cache()  # prebuilt gates: no package download on offline execution nodes
        ensure_gate_installer()  # a uv off PATH still builds the gate in a venv without pip
        self._executor.fail_fast = bool(kwargs.pop("fail_fast", True))
        user_callback = kwargs.pop("on_event", None)
        for forced in ("quiet", "log_file", "state_file", "print_summary", "print_errors", "verbose"):
            kwargs.pop(forced, None)
        # The job's inventory, restored on exit: a script's own inventory= is for this context only.
        saved = (self._inventory, self._hosts, self._plays.inventory, self._plays.allowed)
        inventory, hosts = self._inventory, self._hosts
        if isinstance(kwargs.get("inventory"), str):
            # The script chose another inventory file: resolve it with Ansible's rules too.
            from ..inventory import load

            inventory = load(kwargs.pop("inventory"))
            hosts = inventory.hosts
        if "inventory" not in kwargs:
            from ..inventory.ftl2_adapter import to_ftl2

            # Hosts with their effective (group + host) vars, already limited by --limit.
            kwargs["inventory"] = to_ftl2(inventory, hosts, defaults=self._settings.host_defaults)
        kwargs.setdefault("check_mode", self._settings.check_mode)

        def on_event(event: dict[str, Any]) -> None:
            self._executor.on_ftl_event(event)
            if user_callback is not None:
                user_callback(event)

        if inventory is not self._inventory:
            self._inventory = self._plays.inventory = inventory
            self._hosts, self._plays.allowed = hosts, None
        try:
            async with ftl2.automation(
                quiet=True,
                verbose=False,
                log_file=None,
                state_file=None,
                print_summary=False,
                print_errors=False,
                fail_fast=False,
                on_event=on_event,
                **kwargs,
            ) as ctx:
                self._plays.context = ctx
                self._ftl = TrackedAutomation(ctx, self._executor)
                try:
                    yield self._ftl
                finally:
                    self._plays.context = None
                    self._ftl = None
        finally:
            self._inventory, self._hosts, self._plays.inventory, self._plays.allowed = saved

    # --- plays, tasks, loops -----------------------------------------------------------

    @contextlib.contextmanager
    def play(self, name: str | None = None, hosts: str | None = None) -> Iterator[PlayHandle]:
        """Start a play: ``PLAY [name]`` (Ansible names an unnamed play after its hosts).

        ``hosts`` defaults to the script's ``hosts:`` line, else ``localhost``.
        """
        hosts = hosts or self._plays.default_pattern or "localhost"
        matched = self._plays.start(name, hosts)
        try:
            yield PlayHandle(name if name is not None else hosts, hosts, matched, self._executor, self._plays, self._ftl)
        finally:
            self._plays.end()

    @contextlib.contextmanager
    def task(self, name: str | None = None, ignore_errors: bool = False, when: bool = True,
             tags: Iterable[str] | str = (), no_log: bool = False) -> Iterator[None]:
        """Name (condition, tag, hide) the module calls made inside the block: ``TASK [name]``."""
        tag_tuple = (tags,) if isinstance(tags, str) else tuple(tags)
        token = task_options.set(TaskOptions(name=name, ignore_errors=ignore_errors, when=bool(when), tags=tag_tuple,
                                             no_log=bool(no_log)))
        try:
            yield
        finally:
            task_options.reset(token)

    async def loop(self, items: Iterable[Any], loop_var: str = "item") -> AsyncIterator[Any]:
        """Iterate like Ansible's ``loop:``: the calls in the body form one task with item results."""
        state = LoopState(items=list(items), loop_var=loop_var)
        token = loop_state.set(state)
        try:
            for item in state.items:
                state.item = item
                yield item
        finally:
            loop_state.reset(token)
            self._executor.finish_loop(state)

    def hosts_matching(self, pattern: str) -> list[str]:
        """Inventory hosts an Ansible host pattern selects (within ``--limit``)."""
        return self._plays.match(pattern)

    def host_vars(self, host: str) -> dict[str, Any]:
        """A host's effective inventory variables (group vars, then host vars), as Ansible merges them."""
        if host not in self._inventory.host_vars:
            return {}
        return self._inventory.effective_vars(host)

    def set_adhoc_origin(self, label: str, task_repr: str) -> None:
        self._executor.adhoc_origin = (label, task_repr)

    # --- custom output ----------------------------------------------------------------

    def emit_event(self, event: Mapping[str, Any]) -> str:
        """Emit a custom event, e.g. ``{"event": "custom_progress", "message": "Phase 1 complete"}``.

        ``stdout`` (else ``message``, else ``msg``) is the text shown in the job output; every
        other key lands in ``event_data``. A name AWX does not accept is sent as ``verbose``
        with the original name in ``event_data["custom_event"]`` (docs/events.md).
        """
        from .custom_events import shape_custom_event

        name, event_data, text = shape_custom_event(event)
        return self._recorder.custom(name, event_data, text)

    def warning(self, msg: str) -> None:
        self._recorder.warning(msg)

    def display(self, msg: str) -> None:
        self._recorder.verbose(msg)
