"""The ``runner`` object a script's ``run(inventory_path, extravars, runner)`` receives.

Public surface (documented in docs/scripts.md; its type is ``ftl2_runner.script.Runner``):

* ``runner.automation(**kw)`` – ``ftl2.automation`` with the job's inventory, check mode
  and the settings a worker needs (quiet, no log/state files); every module call made
  through it is reported as an Ansible task and returns the result Ansible would register.
* ``runner.play(name=None, hosts=..., any_errors_fatal=..., max_fail_percentage=...)`` – a play;
  ``runner.serial_play(..., serial=N)`` – one play per batch of hosts.
* ``runner.task(name, ignore_errors, when, tags, no_log, register, changed_when, failed_when)`` –
  Ansible's task keywords for the calls inside the block.
* ``runner.loop(items)`` – ``async for item in runner.loop(...)``: one task, one item event per call.
* ``runner.block(body, rescue=..., always=...)`` – ``block:``/``rescue:``/``always:``.
* ``runner.set_fact(**facts)``, ``runner.host_vars(host)`` – variables, as a playbook has them.
* ``runner.emit_event({...})``, ``runner.warning(msg)``, ``runner.display(msg)`` –
  custom output that shows up in AWX like Ansible's.
* ``runner.default_hosts`` – the script's ``hosts:`` line: the pattern calls naming no host run on.
* ``inventory_path``, ``extravars``, ``check_mode``, ``verbosity``, ``limit``,
  ``script_path`` – the job's settings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...inventory import Inventory, VarsDir
from ...script import TaskFailed
from ..display.events import PlaybookRecorder
from ..tasks.executor import TaskExecutor
from ..tasks.spec import Condition, LoopState, TaskOptions, block_environment, loop_state, task_options
from ..vars import lookups, lookups_controller
from ..vars.lookup_support import JobLookups, job_lookups
from ..vars.magic import JobMagic
from ..vars.variables import HostVariables, HostVars
from .calls import TrackedAutomation
from .plays import PlayHandle, PlayOptions, PlayTracker, checked_order, checked_strategy, in_play_order


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
    host_defaults: dict[str, Any] = field(default_factory=dict)  # -u / -b / --become-user, ANSIBLE_* and ansible.cfg
    config_file: str | None = None  # the ansible.cfg the job read (ansible_config_file)
    playbook_path: str | None = None  # the file the job launched (a launcher, or the script itself)
    inventory_sources: list[str] = field(default_factory=list)  # -i values, as ansible_inventory_sources lists them
    launcher_vars: dict[str, Any] = field(default_factory=dict)  # a launcher's play `vars` (also in `extravars`)
    job_extravars: dict[str, Any] | None = None  # the job's own extra vars, without the launcher's (None: `extravars`)
    vault_secrets: list[Any] = field(default_factory=list)  # the job's vault passwords: vars_files, include_vars


class ScriptRunner:
    """Bridges one script run to the event stream."""

    def __init__(
        self,
        recorder: PlaybookRecorder,
        settings: JobSettings,
        script_path: str,
        inventory: Inventory | None = None,
        hosts: list[str] | None = None,
        default_hosts: str | None = None,
        project_vars: VarsDir | None = None,
    ):
        self._recorder = recorder
        self._settings = settings
        self.script_path = script_path
        self._inventory = inventory if inventory is not None else Inventory().finish()
        self._hosts = hosts if hosts is not None else self._inventory.hosts
        self._plays = PlayTracker(recorder, self._inventory, self._hosts)
        # The script's `hosts:` line (or its launcher's hosts): where calls naming no host run.
        self._plays.default_pattern = default_hosts
        # group_vars/ and host_vars/ beside the launched file (AWX projects keep their variables there).
        self._project_vars = project_vars if project_vars is not None else VarsDir()
        job = JobMagic(
            check_mode=settings.check_mode,
            diff_mode=settings.diff,
            verbosity=settings.verbosity,
            playbook_dir=os.path.dirname(os.path.abspath(settings.playbook_path or script_path)),
            forks=settings.forks,
            tags=tuple(settings.tags),
            skip_tags=tuple(settings.skip_tags),
            limit=settings.limit,
            inventory_sources=tuple(settings.inventory_sources),
            config_file=settings.config_file,
        )
        extra = settings.job_extravars if settings.job_extravars is not None else settings.extravars
        self._variables = HostVariables(
            self._inventory_vars, extra, inventory=self._inventory, job=job, playbook_vars=settings.launcher_vars
        )
        self._variables.secrets = settings.vault_secrets
        # What lookups in templates need from the job (a script runner per job: set once, before the script runs).
        job_lookups.set(JobLookups(recorder.warning, recorder.verbose, settings.vault_secrets, _private_data_dir()))
        self._executor = TaskExecutor(recorder, settings, self._plays, self._variables)
        self._plays.variables = self._variables
        self._plays.removed = lambda: self._executor.hosts.out_of_play
        self._plays.host_states = self._executor.hosts
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

        ``fail_fast`` (default True) has Ansible's meaning here: a host whose task failed leaves the
        play, and when a task fails on every host it ran on, ``TaskFailed`` (also FTL2's
        ``AutomationError``) is raised into the script, which ends the job with the recap and rc 2
        unless the script catches it — except for calls FTL2 itself never raises for (``run_on``,
        ``ftl.<host or group>.x``) outside a play, block or handler. ``fail_fast=False``: no host
        leaves, nothing is raised (FTL2's meaning). FTL2's bookkeeping (``ftl.results``,
        ``ftl.failed``, ``ftl.errors``, ``on_event``) covers every call; ``verbose``,
        ``print_summary`` and ``print_errors`` print FTL2's lines as verbose output when asked for.
        """
        from ..ftl2.lean_import import import_ftl2

        import_ftl2()
        import ftl2

        from ..ftl2.bookkeeping import Bookkeeping, ConsoleOptions
        from ..ftl2.gate import ensure_gate_installer, job_gate_cache, seed_gate_cache, use_job_gate_cache

        gate_cache = job_gate_cache()  # in the job's data dir, not ~/.ftl (gate.py)
        seed_gate_cache(caches=[gate_cache] if gate_cache else None)  # prebuilt gates: no package download
        ensure_gate_installer()  # a uv off PATH still builds the gate in a venv without pip
        from ..ftl2.installer_output import install as quiet_gate_installer

        quiet_gate_installer()  # uv's/pip's stderr is not job output
        console = ConsoleOptions.from_kwargs(kwargs)
        fail_fast = bool(kwargs.pop("fail_fast", True))
        user_callback = kwargs.pop("on_event", None)
        for forced in ("quiet", "log_file", "state_file", "print_summary", "print_errors", "verbose"):
            kwargs.pop(forced, None)
        # The job's inventory, restored on exit: a script's own inventory= is for this context only.
        saved = (
            self._inventory,
            self._hosts,
            self._plays.inventory,
            self._plays.allowed,
            self._executor.settings,
            self._executor.fail_fast,
        )
        inventory, hosts = self._inventory, self._hosts
        own_inventory = kwargs.get("inventory")
        if isinstance(own_inventory, (str, os.PathLike, dict)):
            # The script chose another inventory (a file, or data as FTL2 takes it): resolved with Ansible's rules too.
            from ...inventory import from_mapping, load

            kwargs.pop("inventory")
            inventory = from_mapping(own_inventory) if isinstance(own_inventory, dict) else load(os.fspath(own_inventory))
            hosts = inventory.hosts
        else:
            hosts = hosts + [h for h in self._plays.added if h not in hosts]  # ftl.add_host's, from an earlier context
        if "inventory" not in kwargs:
            from ...inventory.ftl2_adapter import to_ftl2

            # Hosts with their effective (group + host) vars, already limited by --limit.
            own = self._connection_vars if inventory is self._inventory else None  # a script's other inventory: its own vars
            kwargs["inventory"] = to_ftl2(inventory, hosts, defaults=self._settings.host_defaults, host_vars=own)
        # A job run with --check stays one; a script's check_mode=True makes this context one.
        check_mode = bool(kwargs.pop("check_mode", False)) or self._settings.check_mode
        book: list[Bookkeeping] = []

        def on_event(event: dict[str, Any]) -> None:
            self._executor.on_ftl_event(event)
            if book and book[0].for_script(event):
                user_callback(event)

        if inventory is not self._inventory:
            self._inventory = self._plays.inventory = inventory
            self._hosts, self._plays.allowed = hosts, None
            self._variables.use_inventory(inventory, self._inventory_vars)
        self._executor.fail_fast = fail_fast
        if check_mode != self._settings.check_mode:
            self._executor.settings = dataclasses.replace(self._settings, check_mode=check_mode)
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
                check_mode=check_mode,
                **kwargs,
            ) as ctx:
                if gate_cache is not None:
                    use_job_gate_cache(ctx, gate_cache)
                if os.environ.get("FTL2_RUNNER_LEAN_GATE", "1") != "0":
                    from ..ftl2.gate_connection import install as lean_gate

                    lean_gate(ctx)  # one SSH channel per host, one round trip per call (gate_connection.py)
                book.append(Bookkeeping(ctx, user_callback, self._executor.on_ftl2_record, self._recorder.verbose, console))
                self._executor.book = book[0]
                self._plays.context = ctx
                self._ftl = TrackedAutomation(ctx, self._executor)
                try:
                    yield self._ftl
                finally:
                    book[0].print_on_exit()
                    self._plays.context = None
                    self._ftl = None
                    self._executor.book = None
        finally:
            if self._inventory is not saved[0]:
                self._variables.use_inventory(saved[0], self._inventory_vars)
            (
                self._inventory,
                self._hosts,
                self._plays.inventory,
                self._plays.allowed,
                self._executor.settings,
                self._executor.fail_fast,
            ) = saved

    # --- plays, tasks, loops, blocks -------------------------------------------------------

    def play(
        self,
        name: str | None = None,
        hosts: str | None = None,
        *,
        any_errors_fatal: bool = False,
        max_fail_percentage: float | None = None,
        vars: Mapping[str, Any] | None = None,
        vars_files: Iterable[Any] = (),
        environment: Mapping[str, Any] | None = None,
        order: str = "inventory",
        strategy: str = "linear",
    ) -> PlayScope:
        """Start a play: ``PLAY [name]`` (Ansible names an unnamed play after its hosts).

        ``hosts`` defaults to the script's ``hosts:`` line, else ``localhost``. With
        ``any_errors_fatal`` (or more than ``max_fail_percentage`` % of its hosts failing a task)
        one host's failure ends the play, and the job, for every host: ``TaskFailed`` is raised.
        ``vars`` and ``vars_files`` are the play's, as in a playbook: variables of the play's hosts
        while it is open (a ``vars_files`` entry is a path, relative to the playbook's ``vars/`` or
        directory, maybe a template; a list entry is the first of its files that exists).
        ``environment`` is the play's ``environment:`` (values templated per host), under its blocks' and tasks'.
        ``order`` is the play's ``order:`` (``inventory``, ``reverse_inventory``, ``sorted``, ``reverse_sorted``,
        ``shuffle``): the order its hosts run each task in. ``strategy="free"`` prints each task's banner with its
        first host result, as Ansible's default callback does under ``strategy: free``; ``play.each_host(body)``
        then lets each host run through ``body``'s tasks at its own pace.
        Use ``async with`` for a play with handlers: they run when it ends.
        """
        hosts = hosts or self._plays.default_pattern or "localhost"
        options = PlayOptions(
            any_errors_fatal,
            max_fail_percentage,
            dict(vars or {}),
            list(vars_files),
            environment,
            checked_order(order),
            checked_strategy(strategy),
        )
        return PlayScope(self, name, hosts, options)

    def handler(self, name: str, body: Callable[[], Awaitable[Any]] | None = None, *, listen: Iterable[str] | str = ()) -> Any:
        """``handlers:``: define a handler of the open play, run at its end if a task notified it.

        ``body`` is an ``async def`` of the script (or use ``@runner.handler(name)`` as a decorator);
        its calls are the handler's tasks (``RUNNING HANDLER [name]``) and run only on the hosts that
        notified it. ``runner.task(..., notify=name)`` notifies it for each host whose result changed;
        ``listen`` gives it topics a task can notify instead of its name.
        """
        from ..tasks.handlers import Handler

        topics = (listen,) if isinstance(listen, str) else tuple(listen)

        def define(function: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
            handlers = self._plays.handlers
            if handlers is None:
                from ..display.diagnostics import UsageError

                raise UsageError(f"runner.handler({name!r}) outside `async with runner.play(...)`: handlers belong to a play")
            handlers.define(Handler(name, function, topics))
            return function

        return define(body) if body is not None else define

    async def meta(self, action: str) -> None:
        """``meta: <action>``: ``end_host``, ``end_play``, ``end_batch``, ``clear_host_errors``, ``noop``,
        ``reset_connection``, ``flush_handlers`` on the open play's hosts, with the enclosing
        ``runner.task``'s name and ``when`` (docs/scripts.md). After ``end_host``/``end_batch``/``end_play``
        the script goes on, but its calls run on no host that ended."""
        from ..display.diagnostics import script_call_site
        from ..tasks.meta import run_meta
        from ..tasks.spec import CallSpec

        spec = CallSpec(target=self._plays.current_pattern() or "all", module="meta", options=task_options.get(), origin=script_call_site())
        await run_meta(self._executor, spec, action)

    async def flush_handlers(self) -> None:
        """``meta: flush_handlers``: run the handlers notified so far, now (its ``TASK`` banner is the
        enclosing ``runner.task`` name, else ``meta``)."""
        from ..display.diagnostics import script_call_site
        from ..tasks.spec import CallSpec

        spec = CallSpec(target=self._plays.current_pattern() or "all", module="meta", options=task_options.get(), origin=script_call_site())
        await self._executor.flush_handlers(meta=spec)

    def serial_play(
        self,
        name: str | None = None,
        hosts: str | None = None,
        *,
        serial: int | str | list[int | str] = 1,
        any_errors_fatal: bool = False,
        max_fail_percentage: float | None = None,
        vars: Mapping[str, Any] | None = None,
        vars_files: Iterable[Any] = (),
        environment: Mapping[str, Any] | None = None,
        order: str = "inventory",
        strategy: str = "linear",
    ) -> Iterator[PlayHandle]:
        """``serial:``: ``for play in runner.serial_play(..., serial=2):`` runs the body once per batch.

        Each batch prints the play banner again, as Ansible does, and runs the body's tasks on
        that batch's hosts only. ``serial`` is a count, a percentage (``"50%"``) or a list of
        them (the last one repeats), as in a playbook. Hosts that failed are left out of later
        batches' tasks; a batch in which every host failed ends the play (the task raises ``TaskFailed``).
        """
        from ..tasks.batches import batches

        pattern = hosts or self._plays.default_pattern or "localhost"
        in_inventory = self._plays.match(pattern)
        everyone = in_play_order(in_inventory, checked_order(order))
        play_uuid = self._recorder.ids.next()  # every batch's play has it (later ones with a `_N` suffix)
        task_ids: dict[Any, str] = {}
        options = PlayOptions(
            any_errors_fatal, max_fail_percentage, dict(vars or {}), list(vars_files), environment, order, checked_strategy(strategy)
        )
        for index, batch in enumerate(batches(everyone, serial) if everyone else [[]]):
            if index and self._executor.hosts.play_over:
                break  # meta: end_play ends every batch
            matched = self._plays.start(
                name, pattern, options, hosts=batch if everyone else None, play_uuid=play_uuid, hosts_all=in_inventory, batch_index=index
            )
            self._executor.task_ids = task_ids  # the same task in each batch keeps its uuid
            try:
                yield PlayHandle(name if name is not None else pattern, pattern, matched, self._executor, self._plays)
            finally:
                self._executor.task_ids = None
                self._plays.end()

    @contextlib.contextmanager
    def task(
        self,
        name: str | None = None,
        ignore_errors: bool = False,
        when: Condition = None,
        tags: Iterable[str] | str = (),
        no_log: bool = False,
        register: str | None = None,
        changed_when: Condition = None,
        failed_when: Condition = None,
        notify: Iterable[str] | str = (),
        until: Condition = None,
        retries: int | None = None,
        delay: float = 5,
        run_once: bool = False,
        delegate_to: str | None = None,
        vars: Mapping[str, Any] | None = None,
        environment: Mapping[str, Any] | None = None,
        ignore_unreachable: bool = False,
        check_mode: bool | None = None,
        diff: bool | None = None,
        throttle: int = 0,
    ) -> Iterator[None]:
        """Ansible's task keywords for the module calls made inside the block: ``TASK [name]``.

        ``when``/``changed_when``/``failed_when`` take a bool, an Ansible condition string
        (``"marker.stdout == 'ready'"``, evaluated per host against its variables) or a Python
        callable (``when`` gets the host's variables, the others the host's result).
        ``register`` stores each host's result as a variable of that host. ``notify`` names handlers
        (``runner.handler``) that each host whose result changed notifies. ``until`` (a condition on
        the host's result, like ``failed_when``), ``retries`` and ``delay`` retry a host's call as
        Ansible does (``FAILED - RETRYING``); ``retries`` alone retries until the call succeeds.
        ``run_once`` runs the calls on the first host only and gives every host its result.
        ``delegate_to`` runs each host's call on that host instead (with the host's variables),
        reported as the host's: ``changed: [web1 -> localhost]``. ``vars`` are the task's variables,
        above the play's and the inventory's (below ``include_vars``, ``set_fact`` and extra vars).
        ``environment`` is the task's ``environment:``: variables its module (or script) runs with, over
        the play's and the blocks' (values templated per host). ``ignore_unreachable`` keeps a host that
        could not be reached in the play (its result counted ok and ignored, as in Ansible).
        ``check_mode``/``diff`` (True or False) run the task in check mode / with its diff, or not,
        whatever the job's ``--check``/``--diff``. ``throttle`` runs the task's module on at most that many
        hosts at once (0: all of them), as Ansible's ``throttle:``.
        """
        if isinstance(throttle, bool) or not isinstance(throttle, int) or throttle < 0:
            from ..display.diagnostics import UsageError

            raise UsageError(f"runner.task(throttle={throttle!r}): a number of hosts (0 for no limit)")
        tag_tuple = (tags,) if isinstance(tags, str) else tuple(tags)
        token = task_options.set(
            TaskOptions(
                name=name,
                ignore_errors=ignore_errors,
                ignore_unreachable=bool(ignore_unreachable),
                when=when,
                tags=tag_tuple,
                no_log=bool(no_log),
                register=register,
                changed_when=changed_when,
                failed_when=failed_when,
                notify=(notify,) if isinstance(notify, str) else tuple(notify),
                until=until,
                retries=retries,
                delay=1 if delay < 0 else delay,
                run_once=bool(run_once),
                delegate_to=delegate_to,
                vars=dict(vars) if vars else None,
                environment=dict(environment) if environment else None,
                check_mode=None if check_mode is None else bool(check_mode),
                diff=None if diff is None else bool(diff),
                throttle=throttle,
            )
        )
        try:
            yield
        finally:
            task_options.reset(token)

    def loop(
        self, items: Iterable[Any] | str, loop_var: str = "item", *, label: Any = None, index_var: str | None = None
    ) -> AsyncIterator[Any]:
        """Iterate like Ansible's ``loop:``: the calls in the body form one task with item results.

        ``items`` is a list, or a template that renders to one (``"{{ users | dict2items }}"``).
        ``loop_var``, ``label`` and ``index_var`` are ``loop_control``'s: ``label`` (a template
        with the loop variable, or a callable of the item) is what the item lines show; with
        ``index_var`` the loop yields ``(index, item)``, as ``enumerate`` does.
        """
        terms = self._loop_terms("loop", items)
        if not isinstance(terms, (list, tuple)):
            from ..display.diagnostics import UsageError

            raise UsageError(f"Invalid data passed to 'loop', it requires a list, got this instead: {terms}.")
        return self._looping(list(terms), loop_var, label, index_var, None)

    # `with_<lookup>:` — the lookup's items, one task; `event_loop` names the lookup.

    def with_items(self, *terms: Any, loop_var: str = "item", label: Any = None, index_var: str | None = None) -> AsyncIterator[Any]:
        """``with_items:``: the items (a list, or several), lists among them flattened one level."""
        return self._with("items", lookups.items(self._lookup_terms("with_items", terms)), loop_var, label, index_var)

    def with_dict(self, mapping: Any, loop_var: str = "item", label: Any = None, index_var: str | None = None) -> AsyncIterator[Any]:
        """``with_dict:``: ``{"key": ..., "value": ...}`` per entry."""
        return self._with(
            "dict", self._lookup("dict", lookups.dict_items, self._loop_terms("with_dict", mapping)), loop_var, label, index_var
        )

    def with_together(self, *lists: Any, loop_var: str = "item", label: Any = None, index_var: str | None = None) -> AsyncIterator[Any]:
        """``with_together:``: the lists side by side (``item.0``, ``item.1``...), padded with ``None``."""
        return self._with(
            "together", self._lookup("together", lookups.together, self._lookup_terms("with_together", lists)), loop_var, label, index_var
        )

    def with_nested(self, *lists: Any, loop_var: str = "item", label: Any = None, index_var: str | None = None) -> AsyncIterator[Any]:
        """``with_nested:``: every combination of the lists (``item.0``, ``item.1``...)."""
        return self._with(
            "nested", self._lookup("nested", lookups.nested, self._lookup_terms("with_nested", lists)), loop_var, label, index_var
        )

    def with_sequence(self, *terms: str, loop_var: str = "item", label: Any = None, index_var: str | None = None) -> AsyncIterator[Any]:
        """``with_sequence: start=1 end=5`` (``stride``, ``count``, ``format``, or ``"1-5/2:host%02d"``): the numbers as text."""
        return self._with(
            "sequence", self._lookup("sequence", lookups.sequence, self._lookup_terms("with_sequence", terms)), loop_var, label, index_var
        )

    def with_fileglob(self, *patterns: str, loop_var: str = "item", label: Any = None, index_var: str | None = None) -> AsyncIterator[Any]:
        """``with_fileglob:``: the controller's files a pattern matches (relative ones under the playbook's ``files/``)."""
        rendered = self._lookup_terms("with_fileglob", patterns)
        found = self._lookup("fileglob", lambda p: lookups_controller.fileglob(p, self._variables.playbook_dir), rendered)
        return self._with("fileglob", found, loop_var, label, index_var)

    def with_subelements(
        self,
        elements: Any,
        subkey: str,
        flags: Mapping[str, Any] | None = None,
        loop_var: str = "item",
        label: Any = None,
        index_var: str | None = None,
    ) -> AsyncIterator[Any]:
        """``with_subelements: [elements, "key"]``: ``[element, sub]`` for each ``sub`` of each element's ``key`` list
        (``flags={"skip_missing": True}`` skips elements without it)."""
        rendered = self._loop_terms("with_subelements", elements)
        found = self._lookup("subelements", lambda e: lookups.subelements(e, subkey, flags), rendered)
        return self._with("subelements", found, loop_var, label, index_var)

    def _with(self, name: str, items: list[Any], loop_var: str, label: Any, index_var: str | None) -> AsyncIterator[Any]:
        return self._looping(items, loop_var, label, index_var, name)

    @staticmethod
    def _lookup(name: str, function: Callable[[Any], list[Any]], terms: Any) -> list[Any]:
        try:
            return function(terms)
        except lookups.LookupError_ as exc:
            from ..display.diagnostics import UsageError

            raise UsageError(f"with_{name}: {exc}") from None

    def _lookup_terms(self, keyword: str, terms: tuple[Any, ...]) -> list[Any]:
        """A ``with_*`` keyword's terms, each rendered; one list given alone is the terms themselves."""
        rendered = [self._loop_terms(keyword, term) for term in terms]
        if len(rendered) == 1 and isinstance(rendered[0], (list, tuple)):
            return list(rendered[0])
        return rendered

    def _loop_terms(self, keyword: str, value: Any) -> Any:
        """A loop's terms, rendered as ansible-core renders ``loop:``/``with_*:`` for each host of the play.

        A script's loop is one Python loop for every host, so the hosts must agree on the items.
        """
        from ..vars.conditions import ConditionError
        from ..vars.variables import holds_template, render_value

        if not holds_template(value):
            return value
        hosts = [h for h in self._plays.play_hosts if h not in self._executor.hosts.out_of_play] or ["localhost"]
        from ..tasks.spec import task_variables

        rendered: list[Any] = []
        for host in hosts:
            try:
                rendered.append(render_value(value, task_variables(self._variables, host, task_options.get())))
            except ConditionError as exc:
                from ..display.diagnostics import UsageError

                raise UsageError(f"{keyword}: {value!r} could not be rendered for {host}: {exc}") from None
        if any(r != rendered[0] for r in rendered[1:]):
            from ..display.diagnostics import UsageError

            raise UsageError(
                f"{keyword}: {value!r} gives different items on the play's hosts; a script's loop runs the same "
                "items on every host (loop over a per-host value inside the task's arguments instead)"
            )
        return rendered[0]

    async def _looping(
        self, items: list[Any], loop_var: str, label: Any, index_var: str | None, loop_with: str | None
    ) -> AsyncIterator[Any]:
        state = LoopState(items=list(items), loop_var=loop_var, label=label, index_var=index_var, loop_with=loop_with)
        token = loop_state.set(state)
        try:
            for index, item in enumerate(state.items):
                state.item = item
                state.index = index
                yield (index, item) if index_var else item
        finally:
            loop_state.reset(token)
            self._executor.finish_loop(state)

    async def block(
        self,
        body: Callable[[], Awaitable[Any]],
        rescue: Callable[[], Awaitable[Any]] | None = None,
        always: Callable[[], Awaitable[Any]] | None = None,
        *,
        environment: Mapping[str, Any] | None = None,
    ) -> None:
        """``block:`` / ``rescue:`` / ``always:`` — each an ``async def`` of the script.

        Hosts that fail in ``body`` stop running it; ``rescue`` then runs on them (and their
        failure counts as ``rescued``); ``always`` runs on every host of the block. A host
        whose failure nothing rescued is out of the play afterwards; if that is every host,
        ``TaskFailed`` is raised as for a failed task. ``environment`` is the block's ``environment:``,
        for the tasks of all three sections (over the play's, under each task's own).
        """
        pattern = self._plays.current_pattern() if self._plays.explicit else None
        hosts = self._executor.hosts.select(self._plays.hosts_of(pattern)) if pattern else None

        def all_failed(failed: list[str]) -> BaseException:
            return TaskFailed("block", failed, "every host of the block failed")

        token = block_environment.set((*block_environment.get(), dict(environment))) if environment else None
        try:
            await self._executor.hosts.run_block(hosts, body, rescue, always, all_failed)
        finally:
            if token is not None:
                block_environment.reset(token)

    async def set_fact(self, hosts: str | None = None, **facts: Any) -> Any:
        """``set_fact:``: the facts are variables of the hosts (the play's, else ``hosts``) from now on.

        A value may be a callable of the host's variables, for a value per host.
        """
        from ..display.diagnostics import script_call_site
        from ..tasks.spec import CallSpec

        target = hosts or self._plays.current_pattern() or self._plays.default_pattern or "localhost"
        spec = CallSpec(target=target, module="set_fact", options=task_options.get(), origin=script_call_site())
        return await self._executor.run_local_action(spec, facts)

    async def include_vars(self, file: str | None = None, hosts: str | None = None, **params: Any) -> Any:
        """``include_vars:``: a file's (or a ``dir=``'s) variables become the hosts' (the play's, else ``hosts``),
        above the play's variables and below ``set_fact``'s; ``name=`` puts them under one variable."""
        from ..display.diagnostics import script_call_site
        from ..tasks.spec import CallSpec

        if file is not None:
            params["file"] = file
        target = hosts or self._plays.current_pattern() or self._plays.default_pattern or "localhost"
        spec = CallSpec(target=target, module="include_vars", options=task_options.get(), origin=script_call_site())
        return await self._executor.run_local_action(spec, params)

    def hosts_matching(self, pattern: str) -> list[str]:
        """Inventory hosts an Ansible host pattern selects (within ``--limit``)."""
        return self._plays.match(pattern)

    @property
    def groups(self) -> dict[str, list[str]]:
        """Ansible's ``groups``: every group of the inventory with its hosts (``--limit`` does not apply)."""
        return self._variables.groups()

    @property
    def hostvars(self) -> Mapping[str, HostVars]:
        """Ansible's ``hostvars``: host → its variables (its own and the job's, not a play's), each templated when read."""
        return self._variables.hostvars

    def host_vars(self, host: str) -> dict[str, Any]:
        """Every variable ``host`` sees now, with Ansible's precedence, templated (``hostvars[host]`` plus
        the open play's variables), as a plain dict; ``runner.hostvars[host]`` reads one at a time."""
        return self._variables.of(host).snapshot()

    def _connection_vars(self, host: str) -> dict[str, Any]:
        """A host's inventory level as FTL2 gets it: the playbook's group_vars/host_vars included, and the
        connection variables (``ansible_*``) rendered when they are templates, as ansible-core renders them."""
        from ..vars.conditions import ConditionError
        from ..vars.variables import holds_template

        own = dict(self._inventory_vars(host))
        view = self._variables.of(host, task=False)
        for name, value in own.items():
            if name.startswith("ansible_") and holds_template(value):
                try:
                    own[name] = view[name]
                except ConditionError:
                    pass  # left as written: the task that uses the connection reports what fails
        return own

    def _inventory_vars(self, host: str) -> Mapping[str, Any]:
        if host not in self._inventory.host_vars:
            return {}
        return self._inventory.effective_vars(host, (self._project_vars,))

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


def _private_data_dir() -> str | None:
    """The job's private data dir (ansible-runner's ``AWX_ISOLATED_DATA_DIR`` is its ``artifacts/<ident>``)."""
    artifacts = os.environ.get("AWX_ISOLATED_DATA_DIR", "")
    return artifacts.rsplit("/artifacts/", 1)[0] if "/artifacts/" in artifacts else None


class PlayScope:
    """What ``runner.play(...)`` returns: ``with`` it, or ``async with`` it to run its handlers at the end."""

    def __init__(self, runner: Any, name: str | None, pattern: str, options: PlayOptions):
        self._runner = runner
        self._name = name
        self._pattern = pattern
        self._options = options

    def _open(self) -> PlayHandle:
        runner = self._runner
        matched = runner._plays.start(self._name, self._pattern, self._options)
        name = self._name if self._name is not None else self._pattern
        return PlayHandle(name, self._pattern, matched, runner._executor, runner._plays)

    def __enter__(self) -> PlayHandle:
        return self._open()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        handlers = self._runner._plays.handlers
        try:
            if exc_type is None and handlers is not None and handlers.pending():
                from ..display.diagnostics import UsageError

                raise UsageError(
                    "handlers were notified in this play, but it was opened with `with`: open it with "
                    "`async with runner.play(...)` so they run at its end (or `await runner.flush_handlers()`)"
                )
        finally:
            self._runner._plays.end()

    async def __aenter__(self) -> PlayHandle:
        return self._open()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                await self._runner._executor.flush_handlers()
        finally:
            self._runner._plays.end()
