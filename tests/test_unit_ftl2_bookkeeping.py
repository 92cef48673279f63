"""FTL2's side of a script's results, in process: the result types, the raised failure, FTL2's record.

A result answers Ansible's keys and FTL2's ``ExecuteResult`` attributes; a group's results are FTL2's
list and Ansible's host mapping; a failed task is ``TaskFailed`` and FTL2's ``AutomationError``; the
bookkeeping keeps FTL2's record (``ftl.results``, the script's ``on_event``) for calls FTL2 does not
run, drops the steps of those calls, and prints FTL2's summary in FTL2's own words. The end-to-end
comparison with bare FTL2 is tests/test_ftl2_programs.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json

import pytest
from ftl2.automation import AutomationContext, AutomationError
from ftl2.exceptions import FTL2ConnectionError
from ftl2.ftl_modules.executor import ExecuteResult

from ftl2_runner.executor.ftl2 import bookkeeping
from ftl2_runner.executor.ftl2.bookkeeping import Bookkeeping, ConsoleOptions
from ftl2_runner.executor.ftl2.quirks import PerHostOutcomes
from ftl2_runner.executor.tasks.run import task_failed
from ftl2_runner.script import HostResults, Result, TaskFailed

pytestmark = pytest.mark.unit


def _with(result: Result, record: ExecuteResult) -> Result:
    vars(result)["_ftl2_record"] = record
    return result


def test_a_returned_result_answers_ftl2s_attributes_and_ansibles_keys():
    record = ExecuteResult(success=True, changed=True, output={"stdout": "hi\n", "rc": 0}, module="command", host="h1")
    result = _with(Result(changed=True, failed=False, stdout="hi", stdout_lines=["hi"], rc=0, host="a key"), record)
    assert result["stdout"] == "hi" and result.stdout == "hi" and result.stdout_lines == ["hi"]  # Ansible's register
    assert result.success is True and result.output == {"stdout": "hi\n", "rc": 0} and result.module == "command"
    assert result.host == "h1" and result["host"] == "a key"  # FTL2's name wins as an attribute; the key stays a key
    assert json.loads(json.dumps(result)) == dict(result)  # still the plain mapping Ansible registers


def test_a_registered_result_without_a_record_reads_keys_as_ansible_does():
    registered = Result(changed=False, failed=False, host="web1")
    assert registered.host == "web1"  # no FTL2 record: the key, as Jinja's attribute lookup finds it in Ansible
    assert not hasattr(registered, "success") and not hasattr(registered, "output")
    with pytest.raises(AttributeError, match="result has no key 'error'"):
        registered.error  # noqa: B018


def test_a_groups_results_are_ftl2s_list_and_ansibles_mapping():
    h1, h2 = Result(changed=True, failed=False), Result(changed=False, failed=True)
    group = HostResults([("h1", h1), ("h2", h2)])
    assert list(group) == [h1, h2] and group[0] is h1 and group[-1] is h2 and group[1:] == [h2] and len(group) == 2
    assert group["h2"] is h2 and group.get("h3") is None and "h1" in group and h1 in group and "h3" not in group
    assert list(group.keys()) == ["h1", "h2"] and list(group.values()) == [h1, h2] and dict(group.items()) == {"h1": h1, "h2": h2}
    assert group.failed_hosts == ["h2"] and group.changed and group == {"h1": h1, "h2": h2}
    assert HostResults(h1=h1) == [h1] and not HostResults(h1=h2).changed
    with pytest.raises(KeyError):
        group["h3"]
    assert json.loads(json.dumps(group)) == [dict(h1), dict(h2)]


def test_a_failed_task_is_also_ftl2s_automation_error():
    record = ExecuteResult(success=False, output={"rc": 4}, module="command", host="localhost")
    failure = task_failed("deploy", ["localhost"], "module failed", record)
    assert isinstance(failure, TaskFailed) and isinstance(failure, AutomationError)
    assert not isinstance(failure, FTL2ConnectionError)
    assert str(failure) == "task 'deploy' failed on localhost: module failed"
    assert failure.result is record and failure.hosts == ["localhost"] and failure.message == "module failed"
    unreachable = task_failed("ping", ["r1"], "Remote execution failed", None, unreachable=True)
    assert isinstance(unreachable, FTL2ConnectionError) and isinstance(unreachable, TaskFailed)
    with pytest.raises(AutomationError):
        raise failure


class _Context:
    """What the bookkeeping reads of FTL2's AutomationContext."""

    def __init__(self, denied: str | None = None):
        self._results: list[ExecuteResult] = []
        self.check_mode = False
        self.policy_checks: list[tuple[str, str]] = []
        self.denied = denied

    def _check_policy(self, module, params, host="localhost", audit_params=None):
        self.policy_checks.append((module, host))
        if module == self.denied:
            raise PermissionError(f"Policy denied {module} on {host}")

    def _redact_params(self, module, params):
        return {k: v for k, v in params.items() if k != "secret"}


def _book(context, console=None):
    events, linked, shown = [], [], []
    book = Bookkeeping(context, events.append, linked.append, shown.append, console or ConsoleOptions())
    return book, events, linked, shown


def test_calls_ftl2_runner_runs_are_recorded_once_per_host_and_their_steps_are_not():
    context = _Context()
    book, events, linked, _ = _book(context)
    step = ExecuteResult(success=True, output={"rc": 0}, module="ftl2_runner_ansible.stat", host="r1")

    async def action():
        context._results.append(step)  # what FTL2 records for a step of the action (a remote copy's stat)
        assert bookkeeping.steps_running()
        return PerHostOutcomes(r1={"changed": True, "dest": "/x", "_ftl2_runner_preshaped": True}, r2=RuntimeError("boom"))

    call = book.own_call("copy", ["r1", "r2"], {"dest": "/x", "secret": "s"}, action, steps=True)
    outcome = asyncio.run(call())
    assert set(outcome) == {"r1", "r2"} and not bookkeeping.steps_running()
    assert [(r.module, r.host, r.success, r.changed, r.error) for r in context._results] == [
        ("copy", "r1", True, True, ""),
        ("copy", "r2", False, False, "RuntimeError: boom"),
    ]
    assert context._results[0].output == {"changed": True, "dest": "/x"} and context._results[0].params == {"dest": "/x"}
    assert linked == context._results and context.policy_checks == [("copy", "r1"), ("copy", "r2")]
    assert [(e["event"], e["host"]) for e in events] == [
        ("module_start", "r1"),
        ("module_start", "r2"),
        ("module_complete", "r1"),
        ("module_complete", "r2"),
    ]
    # FTL2's own calls outside ours are kept as FTL2 records them.
    own = ExecuteResult(success=True, module="command", host="localhost")
    context._results.append(own)
    assert context._results[-1] is own and linked[-1] is own and book.for_script({"event": "module_start"})


def test_a_policy_denial_stops_the_call_before_it_runs():
    context = _Context(denied="file")
    book, events, _, _ = _book(context)
    ran = []

    async def action():
        ran.append(True)
        return PerHostOutcomes(h1={"changed": True})

    with pytest.raises(PermissionError, match="Policy denied file on h1"):
        asyncio.run(book.own_call("file", ["h1"], {}, action, steps=True)())
    assert ran == [] and context._results == [] and events == []


def test_ftl2s_console_options_only_when_the_script_asks_for_them():
    assert ConsoleOptions.from_kwargs({}) == ConsoleOptions(False, False, False)  # FTL2's defaults print; a job's output is Ansible's
    assert ConsoleOptions.from_kwargs({"verbose": True, "print_summary": True}) == ConsoleOptions(True, True, False)
    assert ConsoleOptions.from_kwargs({"quiet": True, "verbose": True, "print_errors": True}) == ConsoleOptions()


def test_summary_and_errors_are_ftl2s_own_words():
    records = [
        ExecuteResult(success=True, changed=True, module="command", host="localhost", duration=0.01),
        ExecuteResult(success=True, changed=False, module="stat", host="h1", duration=0.2),
        ExecuteResult(success=False, changed=False, module="file", host="localhost", error="File does not exist", duration=0.0),
    ]
    ftl2_context = AutomationContext(quiet=False, print_summary=True, print_errors=True, log_file=None, state_file=None)
    ftl2_context._results.extend(records)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        ftl2_context._print_host_summary()
        print(f"\nERRORS ({len(ftl2_context.errors)}):")
        for error in ftl2_context.errors:
            print(f"  {error.module} on {error.host}: {error.error}")
    context = _Context()
    book, _, _, shown = _book(context, ConsoleOptions(verbose=True, print_summary=True, print_errors=True))
    for record in records:
        book.records.add(record)  # as recorded earlier in the context
    book.print_on_exit()
    assert shown == [line for line in printed.getvalue().splitlines() if line.strip()]
    shown.clear()
    book.keep(records[2])
    book.keep(records[1])
    verbose = io.StringIO()
    with contextlib.redirect_stdout(verbose):
        ftl2_context._log_result("file", records[2], records[2].duration)  # FTL2's line for a call on this machine
        ftl2_context._log_result("h1:stat", records[1], records[1].duration)  # and for one through run_on
    assert shown == verbose.getvalue().splitlines()
