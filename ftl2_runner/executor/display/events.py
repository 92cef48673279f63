"""Turns a script's lifecycle (plays, tasks, per-host results) into ansible-runner events.

This is the equivalent of ansible-runner's ``awx_display`` callback stacked on
Ansible's ``default`` callback: each hook builds the event dict that awx_display
would build (same keys, same order, same ``parent_uuid`` links), renders the text
the default callback would print, and hands both to the ``DisplayChannel``.
It also keeps Ansible's per-host statistics for ``playbook_on_stats`` and the
exit code (2 for failed hosts, 4 for unreachable hosts, as ansible-playbook).
"""

from __future__ import annotations

import itertools
import os
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..vars.booleans import ansible_bool
from . import no_log
from .formatting import COLOR_DEBUG, COLOR_DEPRECATE, COLOR_ERROR, COLOR_WARN, Formatter
from .protocol import DisplayChannel, utc_now_iso

# Event names AWX accepts (awx BasePlaybookEvent.EVENT_TYPES); anything else breaks its API.
AWX_EVENT_NAMES = frozenset(
    """
    runner_on_failed runner_on_start runner_on_ok runner_on_error runner_on_skipped
    runner_on_unreachable runner_on_no_hosts runner_on_async_poll runner_on_async_ok
    runner_on_async_failed runner_item_on_ok runner_item_on_failed runner_item_on_skipped
    runner_retry runner_on_file_diff playbook_on_start playbook_on_notify playbook_on_include
    playbook_on_no_hosts_matched playbook_on_no_hosts_remaining playbook_on_task_start
    playbook_on_vars_prompt playbook_on_setup playbook_on_import_for_host
    playbook_on_not_import_for_host playbook_on_play_start playbook_on_stats
    debug verbose deprecated warning system_warning error
    """.split()
)

# The events whose text the default callback starts with their task's banner when the last banner it
# printed was another task's (under `strategy: free`, where a task's start prints none).
_BANNER_CARRIERS = frozenset(
    (
        "runner_on_ok",
        "runner_on_failed",
        "runner_on_skipped",
        "runner_on_unreachable",
        "runner_item_on_ok",
        "runner_item_on_failed",
        "runner_item_on_skipped",
        "runner_on_file_diff",
    )
)
_FAILED_EVENTS_WITH_DATA = frozenset(("runner_on_failed", "runner_on_async_failed", "runner_on_item_failed"))

RC_OK = 0
RC_FAILED_HOSTS = 2
RC_UNREACHABLE_HOSTS = 4

_STAT_KEYS = ("changed", "dark", "failures", "ignored", "ok", "processed", "rescued", "skipped")


class AnsibleStyleIds:
    """Play and task uuids shaped like ansible-core's ``get_unique_id()``.

    Format ``MMMMMMMM-MMMM-RRRR-RRRR-CCCCCCCCCCCC``: node MAC, a random part fixed per
    process, and a counter. AWX only needs uniqueness; the shape keeps our streams
    comparable with ansible-runner's (the compat suite maps uuids by first appearance).
    """

    def __init__(self) -> None:
        mac = "%012x" % uuid.getnode()
        rand = secrets.token_hex(4)
        self._prefix = f"{mac[0:8]}-{mac[8:12]}-{rand[0:4]}-{rand[4:8]}"
        self._counter = itertools.count(1)

    def next(self) -> str:
        return "%s-%012x" % (self._prefix, next(self._counter))


@dataclass
class Play:
    name: str
    pattern: str
    uuid: str


@dataclass
class Task:
    name: str
    action: str
    resolved_action: str
    path: str
    uuid: str
    play: Play
    ignore_errors: bool = False
    ignore_unreachable: bool = False
    started_hosts: dict[str, str] = field(default_factory=dict)  # host -> start time (ISO)
    finished_hosts: set[str] = field(default_factory=set)
    outcomes: dict[str, str] = field(default_factory=dict)  # host -> ok/failed/skipped/unreachable
    params: dict[str, Any] = field(default_factory=dict)  # module parameters of the call
    origin: tuple[str, int, int] = ("<unknown>", 0, 0)  # script file, line, column of the call
    started_epoch: dict[str, float] = field(default_factory=dict)  # host -> time.time() at start
    call_started: float | None = None  # time.time() when the script made the call
    no_log: bool = False  # results are censored in events and output
    args: dict[str, Any] = field(default_factory=dict)  # the arguments the task was started with, untemplated
    run: Any = None  # the task model's TaskRun (options, registered results) while the task runs
    event_loop: str | None = None  # `with_<lookup>`'s name: every host result's `event_loop`, as awx_display sends


@dataclass
class HostStats:
    ok: int = 0
    changed: int = 0
    failures: int = 0
    dark: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0

    def summary(self) -> dict[str, int]:
        return {
            "ok": self.ok,
            "changed": self.changed,
            "unreachable": self.dark,
            "failures": self.failures,
            "skipped": self.skipped,
            "rescued": self.rescued,
            "ignored": self.ignored,
        }


class PlaybookRecorder:
    """Emits the event stream of one "playbook" (one script run)."""

    def __init__(
        self,
        channel: DisplayChannel,
        formatter: Formatter,
        playbook: str,
        check_mode: bool = False,
        environ: Mapping[str, str] = os.environ,
    ):
        self.channel = channel
        channel.forwarded_event = self.forwarded_output_event  # what the job prints, in context
        channel.error_event = self.error_event  # why the job stops, when events cannot be written
        self.formatter = formatter
        self.playbook = playbook
        self.playbook_uuid = str(uuid.uuid4())
        self.check_mode = check_mode
        self.ids = AnsibleStyleIds()
        self.pid = os.getpid()
        self.play: Play | None = None
        self.task: Task | None = None
        self.stats: dict[str, HostStats] = {}
        self._cleared: dict[str, tuple[int, int]] = {}  # host -> (failures, dark) when its errors were cleared
        self.max_event_res = _int_or(environ.get("MAX_EVENT_RES"), 700000)
        # ansible-runner's --omit-event-data / --only-failed-event-data, read as awx_display reads them.
        self.omit_event_data = environ.get("RUNNER_OMIT_EVENTS", "False").lower() == "true"
        self.only_failed_event_data = environ.get("RUNNER_ONLY_FAILED_EVENTS", "False").lower() == "true"
        # ansible-core's DISPLAY_ARGS_TO_STDOUT (a job's environment may set it): arguments in banners and task_args.
        self.display_args = ansible_bool(environ.get("ANSIBLE_DISPLAY_ARGS_TO_STDOUT"))
        # awx_display adds these job ids (between "event" and "pid") when AWX sets them.
        self._job_ids = {
            key: int(environ[env]) if environ[env].isdigit() else environ[env]
            for key, env in (
                ("job_id", "JOB_ID"),
                ("ad_hoc_command_id", "AD_HOC_COMMAND_ID"),
                ("project_update_id", "PROJECT_UPDATE_ID"),
            )
            if env in environ
        }
        self._started = False
        # Ad hoc runs (ansible -m) use the `minimal` callback: no play/task events or banners.
        self.adhoc = False
        # `strategy: free`: the default callback prints a task's banner with its first host result, not at its start
        self.free_strategy = False
        # strategy free: each task's banner (by task uuid), and the uuid of the last banner printed
        self._banners: dict[str, str] = {}
        self._banner_shown: str | None = None
        self._shown_errors: set[str] = set()
        self._deprecation_shown = False
        self.custom_stats: dict[str, dict[str, Any]] = {}  # set_stats: "_run" (the whole run) or a host -> data
        self._uuid_uses: dict[str, int] = {}

    # --- context ------------------------------------------------------------------

    def _ctx(self, depth: str) -> dict[str, Any]:
        """The global event context awx_display prefixes to every event_data."""
        data: dict[str, Any] = {"playbook": self.playbook, "playbook_uuid": self.playbook_uuid}
        if depth in ("play", "task") and self.play is not None and not self.adhoc:
            data.update(play=self.play.name, play_uuid=self.play.uuid, play_pattern=self.play.pattern)
        if depth == "task" and self.task is not None:
            t = self.task
            data.update(
                task=t.name,
                task_uuid=t.uuid,
                task_action=t.action,
                resolved_action=t.resolved_action,
                task_args=self._task_args(t),
                task_path=t.path,
            )
        return data

    def _task_args(self, task: Task) -> str:
        """awx_display's ``task_args``: empty unless ``ANSIBLE_DISPLAY_ARGS_TO_STDOUT`` is on."""
        if not self.display_args:
            return ""
        return NO_LOG_ARGS if task.no_log else task_arguments(task.args)

    def _ran_with(self, task: Task, host: str) -> str:
        """``task_args`` of a host's result: the arguments that ran, templated for the host, as
        ansible-core's task has them once its action ran (the start events keep them as written)."""
        if not self.display_args or task.no_log:
            return self._task_args(task)
        run = task.run
        args = run.host_params.get(host, task.params) if run is not None else task.params
        return task_arguments(dict(sorted(args.items())))  # templating gives ansible-core's task its args sorted

    def _parent(self, own_uuid: str) -> str | None:
        for candidate in (
            self.task.uuid if self.task else None,
            self.play.uuid if self.play else None,
            self.playbook_uuid if self._started else None,
        ):
            if candidate and candidate != own_uuid:
                return candidate
        return None

    def _emit(
        self,
        event: str,
        event_data: dict[str, Any],
        text: str | None,
        event_uuid: str | None = None,
        verbosity: int | None = None,
    ) -> str:
        if self._banners and event in _BANNER_CARRIERS:
            task_uuid = event_data.get("task_uuid")
            banner = self._banners.get(str(task_uuid))
            if banner is not None and self._banner_shown != task_uuid:
                # strategy free: a result of another task than the last banner's brings its own banner
                self._banner_shown = str(task_uuid)
                text = banner + ("\n" + text if text else "")
        partial = self._partial(event, event_data, event_uuid, verbosity)
        self.channel.emit(partial, text)
        return str(partial["uuid"])

    def _partial(
        self, event: str, event_data: dict[str, Any], event_uuid: str | None = None, verbosity: int | None = None
    ) -> dict[str, Any]:
        event_uuid = event_uuid or str(uuid.uuid4())
        event_data["uuid"] = event_uuid
        if not self._keeps_event_data(event):
            event_data = {}
        elif "res" in event_data and len(str(event_data["res"])) > self.max_event_res:
            event_data["res"] = {}
        partial: dict[str, Any] = {"event": event, **self._job_ids, "pid": self.pid, "uuid": event_uuid, "created": utc_now_iso()}
        parent = self._parent(event_uuid) if event != "playbook_on_start" else None
        if parent:
            partial["parent_uuid"] = parent
        if verbosity is not None:
            partial["verbosity"] = verbosity
        partial["event_data"] = event_data
        return partial

    def error_event(self, msg: str) -> tuple[dict[str, Any], str]:
        """The ``error`` event ``error(msg)`` would emit, and its text, for the channel to write itself."""
        data = self._ctx(self._display_depth()) if self._started else {}
        data["error"] = True
        return self._partial("error", data), self.formatter.error(msg)

    def forwarded_output_event(self) -> dict[str, Any]:
        """The partial event for text the job printed (``DisplayChannel.forward``).

        A ``verbose`` display event in the current context, as awx_display makes of
        output a worker fork proxies to the controller: context, no ``verbose`` flag.
        """
        event_uuid = str(uuid.uuid4())
        event_data = self._ctx(self._display_depth()) if self._started else {}
        event_data["uuid"] = event_uuid
        if not self._keeps_event_data("verbose"):
            event_data = {}
        partial: dict[str, Any] = {"event": "verbose", **self._job_ids, "pid": self.pid, "uuid": event_uuid, "created": utc_now_iso()}
        parent = self._parent(event_uuid)
        if parent:
            partial["parent_uuid"] = parent
        partial["event_data"] = event_data
        return partial

    def _keeps_event_data(self, event: str) -> bool:
        """awx_display's rule, names included: it lists ``runner_on_item_failed``, an event
        Ansible never emits, so ``runner_item_on_failed`` loses its data too."""
        if self.omit_event_data:
            return False
        return not self.only_failed_event_data or event in _FAILED_EVENTS_WITH_DATA

    # --- playbook / play / task ------------------------------------------------------

    def playbook_start(self) -> None:
        self._emit("playbook_on_start", self._ctx("playbook"), self.formatter.playbook_start(self.playbook), event_uuid=self.playbook_uuid)
        self._started = True

    def play_start(self, name: str, pattern: str, play_uuid: str | None = None) -> Play:
        """``PLAY [name]``; ``play_uuid`` is given for a later batch of a ``serial`` play (Ansible reuses it)."""
        self.task = None
        # A play started again (a later serial batch) gets its uuid with awx_display's `_N` suffix.
        self.play = Play(name=name, pattern=pattern, uuid=self._reused(play_uuid) if play_uuid else self.ids.next())
        if self.adhoc:
            return self.play
        data = self._ctx("play")
        data.update(name=name, pattern=pattern)
        self._emit("playbook_on_play_start", data, self.formatter.play_start(name, self.check_mode), self.play.uuid)
        return self.play

    def no_hosts_matched(self) -> None:
        self._emit("playbook_on_no_hosts_matched", self._ctx("play"), self.formatter.no_hosts_matched())

    def task_start(
        self,
        name: str,
        action: str,
        resolved_action: str,
        path: str,
        ignore_errors: bool = False,
        task_uuid: str | None = None,
        args: Mapping[str, Any] | None = None,
        no_log: bool = False,
        handler: bool = False,
    ) -> Task:
        """``TASK [name]``; ``args`` are the call's arguments as the script wrote them (Ansible's untemplated ``task.args``)."""
        assert self.play is not None, "a task needs a play"
        self.task = Task(
            name=name,
            action=action,
            resolved_action=resolved_action,
            path=path,
            uuid=task_uuid or self.ids.next(),
            play=self.play,
            ignore_errors=ignore_errors,
            args=dict(args or {}),
            no_log=no_log,
        )
        if self.adhoc:
            return self.task
        data = self._ctx("task")
        # The same task again (a later serial batch): its start event gets the `_N` suffix, its task_uuid does not.
        event_uuid = self._reused(task_uuid) if task_uuid else self.task.uuid
        if handler:  # awx_display's handler start: the same event, `is_conditional` after the uuid
            data.update(name=name, uuid=event_uuid, is_conditional=True)
        else:
            data.update(name=name, is_conditional=False)
        shown_args = task_arguments(self.task.args) if self.display_args and not no_log else None
        text = self.formatter.task_start(name, path, self.check_mode, shown_args, prefix="RUNNING HANDLER" if handler else "TASK")
        if self.free_strategy:
            self._banners[self.task.uuid] = text
        else:
            self._banners.clear()
            self._banner_shown = self.task.uuid
        self._emit("playbook_on_task_start", data, None if self.free_strategy else text, event_uuid)
        return self.task

    def task_start_again(self, task: Task) -> None:
        """``strategy: free`` queues a task on each host by itself: every host after the first gets the
        task's start event again (awx_display's ``_N`` uuid), with no text, as ansible-core sends it."""
        if self.adhoc:
            return
        with self._as_current(task):
            data = self._ctx("task")
            data.update(name=task.name, is_conditional=False)
            self._uuid_uses.setdefault(task.uuid, 1)  # its first start kept the plain uuid
            self._emit("playbook_on_task_start", data, None, self._reused(task.uuid))

    def notify(self, task: Task, host: str, handler: str) -> None:
        """``playbook_on_notify``: ``host`` notified ``handler``; sent in the context of ``task`` (the play's last)."""
        with self._as_current(task):
            data = self._ctx("task")
            data.update(host=host, handler=handler)
            self._emit("playbook_on_notify", data, None)

    def _once(self, block: str | None) -> str | None:
        """Ansible displays an identical error (or warning) once per run: Display dedups them."""
        if block is None or block in self._shown_errors:
            return None
        self._shown_errors.add(block)
        return block

    def _reused(self, base: str) -> str:
        """``base`` for its first event, ``base_2``, ``base_3``... after, as awx_display dedups event uuids."""
        uses = self._uuid_uses.get(base, 0) + 1
        self._uuid_uses[base] = uses
        return base if uses == 1 else f"{base}_{uses}"

    def no_hosts_remaining(self, task: Task) -> None:
        """``NO MORE HOSTS LEFT``: a play ended because too many of its hosts failed (max_fail_percentage).

        ansible-core 2.21 sends it twice (the linear strategy and the play loop both report it).
        """
        with self._as_current(task):
            for _ in range(2):
                self._emit("playbook_on_no_hosts_remaining", self._ctx("task"), self.formatter.banner("NO MORE HOSTS LEFT"))

    def task_end(self) -> None:
        self.task = None

    # --- per host ------------------------------------------------------------------------

    def host_start(self, task: Task, host: str) -> None:
        if host in task.started_hosts:
            return
        if self.free_strategy and task.started_hosts:
            self.task_start_again(task)  # strategy free: each host is queued the task by itself
        task.started_hosts[host] = utc_now_iso()
        with self._as_current(task):
            data = self._ctx("task")
            data.update(host=host)
            self._emit("runner_on_start", data, None)

    def host_result(
        self,
        task: Task,
        host: str,
        outcome: str,
        res: dict[str, Any],
        remote_addr: str | None = None,
        error_block: str | None = None,
        quiet: bool = False,
        rescued: bool = False,
        deprecation: list[str] | None = None,
        counted: bool = True,
    ) -> None:
        """Emit ``runner_on_<outcome>`` for one host and count it in the stats (a ``meta`` task's skip is not).

        ``outcome`` is one of ``ok``, ``failed``, ``skipped``, ``unreachable``. ``quiet``: the
        final result of a loop, whose items were already shown (nothing, or ``...ignoring``).
        ``rescued``: a failure a block's rescue section handles, counted as ``rescued``, not ``failed``.
        """
        if host in task.finished_hosts:
            return
        self.host_start(task, host)
        task.finished_hosts.add(host)
        task.outcomes[host] = outcome
        start = task.started_hosts[host]
        end = utc_now_iso()
        duration = _seconds_between(start, end)
        stats = self.stats.setdefault(host, HostStats())
        fmt = self.formatter
        error_block = self._once(error_block)
        event_res = no_log.event_res(res)
        text: str | None
        with self._as_current(task):
            data = self._ctx("task")
            data.update(host=host, remote_addr=remote_addr or host)
            if outcome in ("ok", "failed"):
                data["task_args"] = self._ran_with(task, host)
            if outcome == "ok":
                data.update(res=event_res, start=start, end=end, duration=duration, event_loop=task.event_loop)
                stats.ok += 1
                stats.changed += 1 if res.get("changed") else 0
                text = fmt.minimal_result(host, "ok", res, task.action) if self.adhoc else fmt.ok(host, res, task.action)
                if error_block and text is not None:  # a result's warnings, printed before its line
                    text = fmt.stringc(error_block, COLOR_WARN) + "\n" + text
                text = self._with_deprecation(deprecation, text)
                self._emit("runner_on_ok", data, None if quiet else text)
            elif outcome == "failed":
                ignore = task.ignore_errors
                data.update(res=event_res, start=start, end=end, duration=duration, ignore_errors=ignore, event_loop=task.event_loop)
                if ignore:
                    stats.ok += 1
                    stats.ignored += 1
                    stats.changed += 1 if res.get("changed") else 0
                elif rescued:
                    stats.rescued += 1
                else:
                    stats.failures += 1
                if self.adhoc:
                    text = fmt.minimal_result(host, "failed", res, task.action, error_block)
                elif quiet:  # a loop's final result: its failed items were shown; Ansible adds only `...ignoring`
                    text = fmt.ignoring() if ignore else None
                else:
                    text = fmt.failed(host, res, ignore, error_block, task.action)
                text = self._with_deprecation(deprecation, text)
                self._emit("runner_on_failed", data, text)
            elif outcome == "skipped":
                data.update(start=start, end=end, duration=duration, event_loop=task.event_loop)
                stats.skipped += 1 if counted else 0
                text = fmt.minimal_result(host, "skipped", res, task.action) if self.adhoc else fmt.skipped(host, res, task.action)
                text = self._with_deprecation(deprecation, text)
                self._emit("runner_on_skipped", data, text)
            elif outcome == "unreachable":
                data.update(start=start, end=end, duration=duration, res=event_res)
                if task.ignore_unreachable:  # the host stays in the play: counted ok and ignored, as ansible-core counts it
                    stats.ok += 1
                    stats.ignored += 1
                else:
                    stats.dark += 1
                if self.adhoc:
                    text = fmt.minimal_result(host, "unreachable", res, task.action, error_block)
                else:
                    text = fmt.unreachable(host, res, error_block)
                if task.ignore_unreachable and text is not None:
                    text += "\n" + fmt.ignoring()
                self._emit("runner_on_unreachable", data, text)
            else:
                raise ValueError(f"unknown outcome {outcome!r}")

    def _with_deprecation(self, deprecations: list[str] | None, text: str | None) -> str | None:
        """Deprecations printed before a result's line, each once a run; the run's first also says how to silence them."""
        new = [block for block in (self._once(block) for block in deprecations or ()) if block is not None]
        if not new:
            return text
        deprecation = "\n".join(new)
        shown = self.formatter.stringc(deprecation, COLOR_DEPRECATE)
        if not self._deprecation_shown:
            self._deprecation_shown = True
            shown = self.formatter.stringc(DEPRECATIONS_CAN_BE_DISABLED, COLOR_WARN) + "\n" + shown
        return shown + "\n" + (text or "") if text is not None else shown

    def add_custom_stats(self, host: str, stats: Mapping[str, Any]) -> None:
        """A ``set_stats`` result, kept as ansible-core's AggregateStats keeps it.

        ``per_host`` data is the host's, the rest the run's (what AWX gets as ``artifact_data``);
        ``aggregate`` merges into what is there (dicts recursively, other values with ``+``, a
        value of another type is ignored), else the value replaces it.
        """
        target = host if stats.get("per_host") else "_run"
        custom = self.custom_stats.setdefault(target, {})
        for key, value in dict(stats.get("data") or {}).items():
            if not stats.get("aggregate") or key not in custom:
                custom[key] = value
            elif isinstance(value, type(custom[key])):
                custom[key] = _merged(custom[key], value) if isinstance(value, dict) else custom[key] + value

    def host_retry(self, task: Task, host: str, res: dict[str, Any], label: str | None = None) -> None:
        """``runner_retry``: the host's attempt did not satisfy ``until``; another follows."""
        left = int(res.get("retries", 0)) - int(res.get("attempts", 0))
        text = f"FAILED - RETRYING: [{label or host}]: {task.name} ({left} retries left)."
        verbose = self.formatter.verbosity > 2 or res.get("_ansible_verbose_always") is True
        if verbose and res.get("_ansible_verbose_override", False) is False:  # the default callback: from -vvv on
            text += "Result was: " + self.formatter.dump_results(res)
        with self._as_current(task):
            data = self._ctx("task")
            data.update(host=host, res=no_log.event_res(res))
            self._emit("runner_retry", data, self.formatter.stringc(text, COLOR_DEBUG))

    def file_diff(self, task: Task, host: str, res: Mapping[str, Any], item: bool = False, had_diff: bool | None = None) -> None:
        """``runner_on_file_diff`` under ``--diff``: sent for any result carrying ``diff``, and for every
        ``ok`` loop item (ansible-core's task executor sends one per item, diff or not); the diff text
        (``--- before`` / ``+++ after``) is shown only for a changed result whose diff says something.
        ``had_diff``: whether the module's result had a diff, for a ``res`` that ``no_log`` censored
        (ansible-core still sends the event, with ``diff: null``)."""
        if not item and not (had_diff if had_diff is not None else res.get("diff") is not None):
            return
        from .diff import render

        diff = res.get("diff")
        text = render(diff, self.formatter.stringc) if diff and res.get("changed") else ""
        with self._as_current(task):
            data = self._ctx("task")
            data.update(host=host, diff=diff)
            self._emit("runner_on_file_diff", data, text[:-1] if text.endswith("\n") else (text or None))

    def host_item_result(
        self,
        task: Task,
        host: str,
        outcome: str,
        res: dict[str, Any],
        label: Any,
        error_block: str | None = None,
        deprecation: list[str] | None = None,
    ) -> None:
        """``runner_item_on_<outcome>`` for one loop item (not counted in the stats); a failed item
        has the ``[ERROR]`` block before its line, as ansible-core 2.21 prints it."""
        event = {"ok": "runner_item_on_ok", "failed": "runner_item_on_failed", "skipped": "runner_item_on_skipped"}[outcome]
        with self._as_current(task):
            data = self._ctx("task")
            data.update(host=host, res=no_log.event_res(res))
            if outcome != "skipped":
                data["task_args"] = self._ran_with(task, host)
            text = self.formatter.item(host, outcome, res, label, task.action)
            error_block = self._once(error_block)
            if error_block:
                text = self.formatter.stringc(error_block, COLOR_ERROR) + "\n" + text
            self._emit(event, data, self._with_deprecation(deprecation, text))

    class _Current:
        def __init__(self, recorder: PlaybookRecorder, task: Task):
            self.recorder, self.task = recorder, task
            self.saved: tuple[Play | None, Task | None] = (None, None)

        def __enter__(self) -> None:
            self.saved = (self.recorder.play, self.recorder.task)
            self.recorder.play, self.recorder.task = self.task.play, self.task

        def __exit__(self, *exc: object) -> None:
            self.recorder.play, self.recorder.task = self.saved

    def _as_current(self, task: Task) -> PlaybookRecorder._Current:
        """Results of concurrent tasks carry their own task's context, not the newest one."""
        return PlaybookRecorder._Current(self, task)

    # --- display events ----------------------------------------------------------------

    def _display_depth(self) -> str:
        return "task" if self.task else ("play" if self.play else "playbook")

    def warning(self, msg: str) -> None:
        data = self._ctx(self._display_depth()) if self._started else {}
        data["warning"] = True
        self._emit("warning", data, self.formatter.warning(msg))

    def error(self, msg: str) -> None:
        data = self._ctx(self._display_depth()) if self._started else {}
        data["error"] = True
        self._emit("error", data, self.formatter.error(msg))

    def display(self, msg: str) -> None:
        """A plain ``display.display`` line of an action (``pause``): a ``verbose`` event without the flag."""
        data = self._ctx(self._display_depth()) if self._started else {}
        self._emit("verbose", data, msg)

    def verbose(self, msg: str, caplevel: int = 0) -> None:
        data = self._ctx(self._display_depth()) if self._started else {}
        data["verbose"] = True
        self._emit("verbose", data, self.formatter.verbose(msg), verbosity=caplevel + 1)

    def custom(self, event: str, event_data: Mapping[str, Any] | None, text: str | None) -> str:
        """An event a script emits itself (``runner.emit_event``, shaped by ``custom_events``), in the current context."""
        if event not in AWX_EVENT_NAMES:
            raise ValueError(f"event {event!r} is not an event name AWX accepts")
        data = self._ctx(self._display_depth()) if self._started else {}
        data.update(event_data or {})
        return self._emit(event, data, text)

    # --- end -----------------------------------------------------------------------------

    def playbook_stats(self) -> None:
        self.task = None
        data = self._ctx("playbook")
        per_key: dict[str, dict[str, int]] = {key: {} for key in _STAT_KEYS}
        for host, s in self.stats.items():
            per_key["processed"][host] = 1
            for key in ("changed", "dark", "failures", "ignored", "ok", "rescued", "skipped"):
                value = getattr(s, key)
                if value:
                    per_key[key][host] = value
        data.update(per_key)
        data["artifact_data"] = self.custom_stats.get("_run", {})  # awx_display: the run's set_stats data
        summaries = {host: s.summary() for host, s in self.stats.items()}
        saved_play, self.play = self.play, None
        try:
            self._emit("playbook_on_stats", data, None if self.adhoc else self.formatter.recap(summaries))
        finally:
            self.play = saved_play

    def clear_host_errors(self, hosts: Iterable[str]) -> None:
        """``meta: clear_host_errors``: the hosts' failures so far no longer decide the rc (the recap keeps them),
        as ansible-core forgets them in its failed and unreachable hosts, which the rc is made of."""
        for host in hosts:
            stats = self.stats.get(host)
            if stats is not None:
                self._cleared[host] = (stats.failures, stats.dark)

    def exit_code(self) -> int:
        """ansible-playbook's rc from the stats: unreachable (4) wins over failed (2)."""
        cleared = self._cleared
        if any(s.dark > cleared.get(h, (0, 0))[1] for h, s in self.stats.items()):
            return RC_UNREACHABLE_HOSTS
        if any(s.failures > cleared.get(h, (0, 0))[0] for h, s in self.stats.items()):
            return RC_FAILED_HOSTS
        return RC_OK


def _int_or(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _seconds_between(start_iso: str, end_iso: str) -> float:
    import datetime

    start = datetime.datetime.fromisoformat(start_iso)
    end = datetime.datetime.fromisoformat(end_iso)
    return round((end - start).total_seconds(), 6)


NO_LOG_ARGS = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"


def task_arguments(args: Mapping[str, Any]) -> str:
    """A task's arguments as Ansible joins them for display: ``key=value, key=value`` (``%s`` of each)."""
    return ", ".join(f"{key}={value}" for key, value in args.items())


DEPRECATIONS_CAN_BE_DISABLED = "[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg."


def _merged(base: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """ansible-core's ``merge_hash``: ``new`` over ``base``, nested dicts merged, lists replaced."""
    out = dict(base)
    for key, value in new.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
