"""The ``runner`` object a script's ``run(inventory_path, extravars, runner)`` receives.

Public surface (documented in docs/scripts.md):

* ``runner.automation(**kw)`` – ``ftl2.automation`` with the job's inventory, check mode
  and the settings a worker needs (quiet, no log/state files); every module call made
  through it is reported as an Ansible task.
* ``runner.play(name=None, hosts=...)`` / ``runner.task(name, ignore_errors=False)`` –
  name plays and tasks, as ``- name:`` does in a playbook.
* ``runner.emit_event({...})``, ``runner.warning(msg)``, ``runner.display(msg)`` –
  custom output that shows up in AWX like Ansible's.
* ``inventory_path``, ``extravars``, ``check_mode``, ``verbosity``, ``limit``,
  ``script_path`` – the job's settings.
"""

from __future__ import annotations

import contextlib
import contextvars
import linecache
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import results
from .events import PlaybookRecorder, Task
from .tracking import CallSpec, TaskFailed, TrackedAutomation, call_site, current_task, run_with_task

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class _TaskOptions:
    name: str | None = None
    ignore_errors: bool = False


_task_options: contextvars.ContextVar[_TaskOptions | None] = contextvars.ContextVar("ftl2_runner_task_options", default=None)


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


class ScriptRunner:
    """Bridges one script run to the event stream."""

    def __init__(self, recorder: PlaybookRecorder, settings: JobSettings, script_path: str):
        self._recorder = recorder
        self._settings = settings
        self.script_path = script_path
        self._explicit_play = False
        self._implicit_pattern: str | None = None
        self._skip_dirs = (_PACKAGE_DIR, _ftl2_dir(), os.path.dirname(contextlib.__file__))

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

    # --- automation -----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def automation(self, **kwargs: Any) -> AsyncIterator[TrackedAutomation]:
        """``ftl2.automation(**kwargs)`` wired to the job.

        ``fail_fast`` (default True) has Ansible's meaning here: when a task fails on
        every host it ran on, :class:`TaskFailed` is raised into the script, which ends
        the job with the recap and rc 2 unless the script catches it.
        """
        import ftl2

        self._fail_fast = bool(kwargs.pop("fail_fast", True))
        user_callback = kwargs.pop("on_event", None)
        for forced in ("quiet", "log_file", "state_file", "print_summary", "print_errors", "verbose"):
            kwargs.pop(forced, None)
        kwargs.setdefault("inventory", self._settings.inventory_path)
        kwargs.setdefault("check_mode", self._settings.check_mode)

        def on_event(event: dict[str, Any]) -> None:
            self._on_ftl_event(event)
            if user_callback is not None:
                user_callback(event)

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
            self._current_ctx = ctx
            try:
                yield TrackedAutomation(ctx, self)
            finally:
                self._current_ctx = None

    _fail_fast = True
    _current_ctx: Any = None

    # --- naming ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def play(self, name: str | None = None, hosts: str = "localhost") -> Iterator[None]:
        """Start a play: ``PLAY [name]`` (Ansible names an unnamed play after its hosts)."""
        self._recorder.play_start(name if name is not None else hosts, hosts)
        self._explicit_play = True
        try:
            yield
        finally:
            self._explicit_play = False
            self._implicit_pattern = None

    @contextlib.contextmanager
    def task(self, name: str | None = None, ignore_errors: bool = False) -> Iterator[None]:
        """Name the module calls made inside the block (``TASK [name]``)."""
        token = _task_options.set(_TaskOptions(name=name, ignore_errors=ignore_errors))
        try:
            yield
        finally:
            _task_options.reset(token)

    # --- custom output ----------------------------------------------------------------

    def emit_event(self, event: Mapping[str, Any]) -> str:
        """Emit a custom event: ``{"event": <AWX event name>, "stdout": text, "event_data": {...}}``."""
        name = event.get("event", "verbose")
        return self._recorder.custom(name, event.get("event_data"), event.get("stdout"))

    def warning(self, msg: str) -> None:
        self._recorder.warning(msg)

    def display(self, msg: str) -> None:
        self._recorder.verbose(msg)

    # --- task execution (called by tracking) ------------------------------------------

    def _ensure_play(self, target: str) -> None:
        if self._explicit_play:
            return
        if self._recorder.play is None or self._implicit_pattern != target:
            self._recorder.play_start(target, target)
            self._implicit_pattern = target

    def _start_task(self, spec: CallSpec) -> tuple[Task, tuple[str, int, int]]:
        self._ensure_play(spec.target)
        options = _task_options.get() or _TaskOptions()
        origin = call_site(self._skip_dirs)
        action = spec.module
        resolved = action if "." in action else f"ansible.builtin.{action}"
        task = self._recorder.task_start(
            name=options.name or action,
            action=action,
            resolved_action=resolved,
            path=f"{origin[0]}:{origin[1]}",
            ignore_errors=options.ignore_errors,
        )
        task.origin = origin  # type: ignore[attr-defined]
        return task, origin

    async def run_task(self, spec: CallSpec, params: dict[str, Any], call: Callable[[], Awaitable[Any]]) -> Any:
        task, origin = self._start_task(spec)
        try:
            result = await run_with_task(task, call)
        except TaskFailed:
            raise
        except Exception as exc:  # FTL2 refused or crashed: the task fails on its hosts
            self._fail_unfinished(task, spec, exc)
            return self._finish(task, None, exc)
        self._complete_silent_hosts(task, spec, result)
        return self._finish(task, result, None)

    async def run_local_action(self, spec: CallSpec, params: dict[str, Any]) -> Any:
        """Actions FTL2 refuses but scripts expect (``debug``), run by ftl2-runner itself."""
        task, origin = self._start_task(spec)
        res: dict[str, Any]
        if "msg" in params:
            res = {"msg": params["msg"]}
        elif "var" in params:
            res = {params["var"]: self._settings.extravars.get(params["var"], "VARIABLE IS NOT DEFINED!")}
        else:
            res = {"msg": "Hello world!"}
        res["_ansible_verbose_always"] = True
        res["changed"] = False
        for host in self._hosts_of(spec.target):
            self._recorder.host_start(task, host)
            self._report(task, host, results.OK, dict(res))
        return self._finish(task, {k: v for k, v in res.items() if not k.startswith("_ansible")}, None)

    def _finish(self, task: Task, result: Any, exc: BaseException | None) -> Any:
        self._recorder.task_end()
        outcomes = getattr(task, "outcomes", {})
        bad = [h for h, o in outcomes.items() if o in (results.FAILED, results.UNREACHABLE)]
        if self._fail_fast and not task.ignore_errors and bad and len(bad) == len(outcomes):
            message = str(exc) if exc else "module failed"
            raise TaskFailed(task.name, bad, message) from exc
        return result

    def _hosts_of(self, target: str) -> list[str]:
        if target in ("localhost", "local"):
            return ["localhost"]
        if self._current_ctx is None:
            return [target]
        try:
            return [h.name for h in self._current_ctx.hosts[target]] or [target]
        except Exception:
            return [target]

    def _on_ftl_event(self, event: Mapping[str, Any]) -> None:
        task = current_task.get()
        if task is None:
            return
        kind = event.get("event")
        host = str(event.get("host", "localhost"))
        if kind == "module_start":
            self._recorder.host_start(task, host)
        elif kind == "module_complete":
            outcome, res = results.classify(bool(event.get("success")), event.get("output"), event.get("error"))
            if outcome == results.OK and task.action.rsplit(".", 1)[-1] == "ping" and event.get("module") == "command":
                # FTL2 implements host ping as `echo pong`; report what Ansible's ping returns.
                res = {"changed": False, "ping": "pong"}
            self._report(task, host, outcome, res)

    def _report(self, task: Task, host: str, outcome: str, res: dict[str, Any]) -> None:
        outcomes = task.__dict__.setdefault("outcomes", {})
        outcomes[host] = outcome
        error_block = None
        if outcome in (results.FAILED, results.UNREACHABLE):
            error_block = self._error_block(task, res)
        self._recorder.host_result(task, host, outcome, res, error_block=error_block)

    def _complete_silent_hosts(self, task: Task, spec: CallSpec, result: Any) -> None:
        """Report hosts FTL2 emitted no result for (its shadowed shortcuts) from the return value."""
        pending = [h for h in task.started_hosts if h not in task.finished_hosts]
        if not task.started_hosts:
            pending = [spec.target if spec.target not in ("local",) else "localhost"]
        for host in pending:
            output = result
            if isinstance(result, list):
                output = next((r for r in result if isinstance(r, dict)), {"results": result})
            if hasattr(output, "output") and hasattr(output, "success"):  # an FTL2 ExecuteResult
                outcome, res = results.classify(output.success, output.output, output.error)
            elif isinstance(output, dict):
                rc = output.get("rc", 0)
                outcome, res = results.classify(not output.get("failed") and rc in (0, None), output, None)
            else:
                outcome, res = results.OK, {"changed": False}
            self._report(task, host, outcome, res)

    def _fail_unfinished(self, task: Task, spec: CallSpec, exc: BaseException) -> None:
        hosts = [h for h in task.started_hosts if h not in task.finished_hosts]
        if not task.started_hosts:
            hosts = [spec.target]
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        for host in hosts:
            outcome = results.UNREACHABLE if "Connection" in type(exc).__name__ else results.FAILED
            res = {"changed": False, "msg": message}
            if outcome == results.UNREACHABLE:
                res["unreachable"] = True
            else:
                res["failed"] = True
            self._report(task, host, outcome, res)

    def _error_block(self, task: Task, res: Mapping[str, Any]) -> str:
        """Ansible 2.21's ``[ERROR]: Task failed`` block, pointing at the script line."""
        msg = str(res.get("msg") or "").strip()
        summary = f"Task failed: Module failed: {msg}" if msg else "Task failed: Module failed."
        path, line, column = getattr(task, "origin", ("<unknown>", 0, 0))
        lines = [f"[ERROR]: {summary}", f"Origin: {path}:{line}:{column}", ""]
        if line > 0:
            first = max(1, line - 2)
            width = len(str(line))
            for number in range(first, line + 1):
                source = linecache.getline(path, number).rstrip("\n")
                lines.append(f"{number:<{width}} {source}".rstrip() if not source else f"{number:<{width}} {source}")
            lines.append(" " * (width + column) + f"^ column {column}")
        lines.append("")
        return "\n".join(lines)


def _ftl2_dir() -> str:
    import importlib.util

    spec = importlib.util.find_spec("ftl2")
    if spec is None or not spec.submodule_search_locations:
        return "\0"
    return os.path.dirname(list(spec.submodule_search_locations)[0])
