"""FTL2 programs written to FTL2's own documentation behave under ftl2-runner as on bare FTL2 (issue 30).

Each test is one program, written here from FTL2's documented API — ``automation()``, ``run_on`` and
``ftl.<group>.<module>`` returning ``ExecuteResult``s (``.success``, ``.output``, ``.host``...),
``ftl.results``/``failed``/``errors``/``error_messages``, ``on_event``, ``fail_fast``, the console
options, ``check_mode``, ``ftl.hosts``, ``add_host``. It runs twice in the test: on bare FTL2
(``ftl2.automation`` itself with ``quiet=True, log_file=None, state_file=None`` in a temporary cwd),
whose values are the expected ones, and as an AWX job through transmit | worker | process, whose
values must be the same and whose status must be the one AWX expects. Where ftl2-runner differs on
purpose (docs/scripts.md, "Programs written for FTL2"), the test checks both sides of the difference.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sshd
from streams import make_data_dir, pipeline

LOCAL_TARGETS = "[targets]\nh1 ansible_connection=local\nh2 ansible_connection=local\n"

# The bare side: the program with ftl2.automation itself, as FTL2's documentation writes it, with the
# settings a test needs (nothing printed, no ./ftl2.log, no ./.ftl2-state.json) unless the program sets them.
BARE_DRIVER = """

def _bare_automation(**kwargs):
    import ftl2

    kwargs.setdefault("quiet", True)
    kwargs.setdefault("log_file", None)
    kwargs.setdefault("state_file", None)
    if INVENTORY is not None:
        kwargs.setdefault("inventory", INVENTORY)
    return ftl2.automation(**kwargs)


if __name__ == "__main__":
    import asyncio, json, sys

    INVENTORY, TMP, OUT = sys.argv[1] or None, sys.argv[2], sys.argv[3]
    values = asyncio.run(program(_bare_automation, TMP))
    with open(OUT, "w") as handle:
        json.dump(values, handle)
"""

# The job's side: the same program, its `automation` being runner.automation (the job's inventory).
JOB_DRIVER = """

async def run(inventory_path, extravars, runner):
    import json

    values = await program(runner.automation, extravars["tmp"])
    with open(extravars["out"], "w") as handle:
        json.dump(values, handle)
    return 0
"""


def _normalized(values: Any, tmp: Path) -> Any:
    """``values`` with the side's own temporary directory written ``<tmp>``."""
    return json.loads(json.dumps(values).replace(str(tmp), "<tmp>"))


def bare(program: str, root: Path, inventory: str | None) -> tuple[Any, str]:
    """The program's values on bare FTL2 (a subprocess in its own cwd), and what it printed."""
    side = root / "bare"
    tmp = side / "tmp"
    tmp.mkdir(parents=True)
    inventory_file = ""
    if inventory is not None:
        (side / "hosts").write_text(inventory)
        inventory_file = str(side / "hosts")
    (side / "program.py").write_text(textwrap.dedent(program) + BARE_DRIVER)
    out = side / "values.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["FTL2_TELEMETRY"] = "off"
    done = subprocess.run(
        [sys.executable, str(side / "program.py"), inventory_file, str(tmp), str(out)],
        cwd=side,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (side / "ftl2.log").exists() and not (side / ".ftl2-state.json").exists()
    return _normalized(json.loads(out.read_text()), tmp), done.stdout


def as_job(program: str, root: Path, inventory: str | None, status: str) -> tuple[Any, Any]:
    """The program's values as an AWX job (transmit | worker | process); its status must be ``status``."""
    side = root / "job"
    tmp = side / "tmp"
    tmp.mkdir(parents=True)
    out = side / "values.json"
    extravars = {"tmp": str(tmp), "out": str(out)}
    pdd = make_data_dir(side, textwrap.dedent(program) + JOB_DRIVER, inventory=inventory, env_files={"extravars": json.dumps(extravars)})
    run, processed = pipeline(pdd, side, "-p", "job.py")
    assert processed.status == status and run.final_status == status, run.text()
    assert processed.finished
    return _normalized(json.loads(out.read_text()), tmp), run


def verbose_lines(run: Any) -> list[str]:
    """What the job printed outside Ansible's own lines (``verbose`` events), colour codes removed."""
    lines = [e["stdout"] for e in run.events if e["event"] == "verbose"]
    return [re.sub(r"\x1b\[[0-9;]*m", "", line) for text in lines for line in text.splitlines()]


# --- results of FTL2's types --------------------------------------------------------------------

RESULT_TYPES = """
async def program(automation, tmp):
    def described(result):
        return {"host": result.host, "module": result.module, "success": result.success, "changed": result.changed,
                "error": result.error, "rc": result.output["rc"], "stdout": result.output["stdout"]}

    async with automation() as ftl:
        on_group = await ftl.run_on("targets", "command", cmd="echo hi")
        on_hosts = await ftl.run_on(ftl.hosts["h2"], "command", cmd="echo from a list")
        proxied = await ftl.targets.command(cmd="echo proxied")
        local = await ftl.localhost.command(cmd="echo local")
        top = await ftl.command(cmd="echo top")
    return {
        "run_on": [isinstance(on_group, list), len(on_group), [described(r) for r in on_group]],
        "run_on_list": [described(r) for r in on_hosts],
        "group_proxy": [isinstance(proxied, list), [described(r) for r in proxied]],
        "local": [local["changed"], local["rc"], local["stdout"].strip()],
        "top": [top["changed"], top["rc"], top["stdout"].strip()],
    }
"""


def test_run_on_and_group_calls_return_ftl2s_execute_results(tmp_path):
    expected, _ = bare(RESULT_TYPES, tmp_path, LOCAL_TARGETS)
    got, run = as_job(RESULT_TYPES, tmp_path, LOCAL_TARGETS, "successful")
    assert got == expected
    assert expected["run_on"][2][0] == {
        "host": "h1",
        "module": "command",
        "success": True,
        "changed": True,
        "error": "",
        "rc": 0,
        "stdout": "hi\n",
    }
    # The same calls are Ansible's tasks in the job's output, with the results Ansible registers.
    ok = [e["event_data"] for e in run.events if e["event"] == "runner_on_ok"]
    first = {d["host"]: d["res"] for d in ok[:2]}  # the hosts' results arrive as they finish
    assert [d["task"] for d in ok[:2]] == ["command", "command"] and sorted(first) == ["h1", "h2"]
    assert first["h1"]["stdout"] == "hi" and first["h1"]["stdout_lines"] == ["hi"]


PORTING_SHAPES = """
async def program(automation, tmp):
    async with automation() as ftl:
        group = await ftl.targets.command(cmd="echo both")
        one = await ftl.localhost.command(cmd="echo one")
    return {
        "ansible": [sorted(group.keys()), group["h1"]["stdout"], group["h2"].stdout_lines, one["stdout"], one["failed"]],
        "ftl2": [[r.host for r in group], group[0].output["stdout"], one.output["stdout"], one.success],
    }
"""


def test_a_result_is_ansibles_register_and_ftl2s_execute_result_at_once(tmp_path):
    """Ported playbooks keep Ansible's register shapes (keys), FTL2 programs get FTL2's attributes."""
    got, _ = as_job(PORTING_SHAPES, tmp_path, LOCAL_TARGETS, "successful")
    assert got["ansible"] == [["h1", "h2"], "both", ["both"], "one", False]
    assert got["ftl2"] == [["h1", "h2"], "both\n", "one\n", True]


# --- FTL2's bookkeeping, whoever runs the call ----------------------------------------------------

BOOKKEEPING = """
async def program(automation, tmp):
    import functools, http.server, threading

    www = tmp + "/www"
    import os
    os.makedirs(www)
    open(www + "/index.html", "w").write("hello")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=www)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        async with automation(fail_fast=False) as ftl:
            await ftl.command(cmd="echo one")                             # FTL2 runs it
            await ftl.file(path=tmp + "/made", state="directory")         # ftl2-runner runs it (file)
            await ftl.file(path=tmp + "/missing/x", state="file")         # fails, on both
            await ftl.uri(url=f"http://127.0.0.1:{server.server_address[1]}/index.html")  # Ansible's module under ftl2-runner
            await ftl.run_on("targets", "file", path=tmp + "/made/flag", state="touch")  # per host
            await ftl.targets.command(cmd="exit 3")                       # FTL2 runs it, fails on both hosts
            summary = {
                "results": [[r.module, r.host, r.success, r.changed] for r in ftl.results],
                "failed": ftl.failed,
                "errors": [[e.module, e.host] for e in ftl.errors],
                "error_messages": len(ftl.error_messages),
            }
    finally:
        server.shutdown()
    return summary
"""


def test_results_failed_and_errors_count_every_call_whoever_runs_it(tmp_path):
    expected, _ = bare(BOOKKEEPING, tmp_path, LOCAL_TARGETS)
    got, run = as_job(BOOKKEEPING, tmp_path, LOCAL_TARGETS, "failed")
    assert got == expected
    assert expected["results"] == [
        ["command", "localhost", True, True],
        ["file", "localhost", True, True],
        ["file", "localhost", False, False],
        ["uri", "localhost", True, False],
        ["file", "h1", True, True],
        ["file", "h2", True, True],
        ["command", "h1", False, True],
        ["command", "h2", False, True],
    ]
    assert expected["failed"] is True and expected["error_messages"] == 1  # FTL2's local rc failures have no message
    stats = run.events[-1]["event_data"]
    assert stats["failures"] == {"localhost": 1, "h1": 1, "h2": 1}


SETUP_AND_REFUSED = """
async def program(automation, tmp):
    outcomes, events = {}, []
    async with automation(fail_fast=False, on_event=events.append) as ftl:
        facts = await ftl.setup(gather_subset=["min"])
        outcomes["setup"] = sorted(k for k in facts if k == "ansible_facts")
        try:
            await ftl.debug(msg="hello")
            outcomes["debug"] = "ran"
        except Exception as exc:
            outcomes["debug"] = type(exc).__name__
        outcomes["results"] = [[r.module, r.host, r.success] for r in ftl.results]
        outcomes["failed"] = ftl.failed
    outcomes["events"] = [[e["event"], e["module"], e.get("success")] for e in events]
    return outcomes
"""


def test_setup_and_the_actions_ftl2_refuses_are_in_ftl2s_record(tmp_path):
    """FTL2 cannot run ``setup`` and refuses ``debug``; ftl2-runner runs both, and records them as FTL2 records its own."""
    expected, _ = bare(SETUP_AND_REFUSED, tmp_path, LOCAL_TARGETS)
    got, _ = as_job(SETUP_AND_REFUSED, tmp_path, LOCAL_TARGETS, "successful")
    assert expected["results"] == [["setup", "localhost", False]] and expected["debug"] == "ExcludedModuleError"
    assert got["results"] == [["setup", "localhost", True], ["debug", "localhost", True]]
    assert got["setup"] == ["ansible_facts"] and got["debug"] == "ran" and got["failed"] is False
    calls = ["policy_evaluation", "module_start", "module_complete"]
    assert [e[:2] for e in expected["events"]] == [[kind, "setup"] for kind in calls]
    assert got["events"] == [[kind, "setup", True if kind == "module_complete" else None] for kind in calls] + [
        [kind, "debug", True if kind == "module_complete" else None] for kind in calls
    ]


ON_EVENT = """
async def program(automation, tmp):
    events = []
    async with automation(on_event=events.append, fail_fast=False) as ftl:
        await ftl.command(cmd="echo one")
        await ftl.file(path=tmp + "/touched", state="touch")
        await ftl.run_on("h1", "command", cmd="exit 2")  # one host at a time: a group's events come as its hosts finish
        await ftl.h2.command(cmd="echo two")
    return [[e["event"], e.get("module"), e.get("host"), e.get("success"), e.get("decision")] for e in events]
"""


def test_the_scripts_on_event_sees_every_call(tmp_path):
    expected, _ = bare(ON_EVENT, tmp_path, LOCAL_TARGETS)
    got, _ = as_job(ON_EVENT, tmp_path, LOCAL_TARGETS, "failed")
    assert got == expected
    assert [e[:3] for e in expected[3:6]] == [
        ["policy_evaluation", "file", "localhost"],
        ["module_start", "file", "localhost"],
        ["module_complete", "file", "localhost"],
    ]
    assert len(expected) == 3 + 3 + 6


# --- fail_fast ---------------------------------------------------------------------------------------

FAIL_FAST = """
async def program(automation, tmp):
    from ftl2.automation import AutomationError

    seen = {}
    async with automation(fail_fast=False) as ftl:
        await ftl.command(cmd="false")
        await ftl.run_on("targets", "command", cmd="exit 1")
        after = await ftl.targets.command(cmd="echo still here")
        seen["false"] = [ftl.failed, len(ftl.errors), [r.success for r in after]]
    async with automation(fail_fast=True) as ftl:
        on_hosts = await ftl.run_on("targets", "command", cmd="exit 5")  # FTL2 returns host failures
        seen["run_on"] = [r.success for r in on_hosts]
        try:
            await ftl.command(cmd="exit 4")
            seen["raised"] = None
        except AutomationError as error:
            seen["raised"] = [error.result.module, error.result.host, error.result.success, error.result.output["rc"]]
    return seen
"""


def test_fail_fast_false_carries_on_and_true_raises_where_ftl2_raises(tmp_path):
    expected, _ = bare(FAIL_FAST, tmp_path, LOCAL_TARGETS)
    got, run = as_job(FAIL_FAST, tmp_path, LOCAL_TARGETS, "failed")
    assert got == expected
    assert expected == {"false": [True, 3, [True, True]], "run_on": [False, False], "raised": ["command", "localhost", False, 4]}
    assert run.rc == 2


def test_fail_fast_in_a_play_ends_the_play_as_ansible_does(tmp_path):
    """Inside runner.play (Ansible's play), a task failing on all its hosts ends the play and the job."""
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            with runner.play("web", hosts="targets") as play:
                await play.command(cmd="false")
                await play.command(cmd="echo never")
            await ftl.localhost.command(cmd="echo never either")
        return 0
    """
    pdd = make_data_dir(tmp_path, script, inventory=LOCAL_TARGETS)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "failed" and run.rc == 2
    assert "never" not in run.text()


# --- FTL2's console options ------------------------------------------------------------------------

PRINTING = """
async def program(automation, tmp):
    async with automation(quiet=False, verbose=True, print_summary=True, print_errors=True, fail_fast=False) as ftl:
        await ftl.command(cmd="echo one")
        await ftl.file(path=tmp + "/d", state="directory")
        await ftl.command(cmd="exit 3")
        await ftl.run_on("h1", "command", cmd="echo remote")  # one host: FTL2 prints a group's lines as they finish
    return len(ftl.results)
"""


def _console(lines: list[str]) -> list[str]:
    """FTL2's console lines, timings out."""
    return [re.sub(r"\(\d+\.\d\ds\)", "(<t>)", line.rstrip()) for line in lines if line.strip()]


def test_summary_and_errors_print_as_the_jobs_verbose_output(tmp_path):
    expected, printed = bare(PRINTING, tmp_path, LOCAL_TARGETS)
    got, run = as_job(PRINTING, tmp_path, LOCAL_TARGETS, "failed")
    assert got == expected == 4
    assert _console(verbose_lines(run)) == _console(printed.splitlines())
    assert "SUMMARY:" in printed and "ERRORS (1):" in printed and "[command] FAILED (" in printed and "[h1:command] ok" in printed


QUIET_BY_DEFAULT = """
async def program(automation, tmp):
    async with automation() as ftl:
        await ftl.command(cmd="echo one")
    return len(ftl.results)
"""


def test_ftl2s_default_console_lines_stay_out_of_the_job(tmp_path):
    """FTL2 prints its lines by default; a job's output is Ansible's unless the script asks for FTL2's."""
    got, run = as_job(QUIET_BY_DEFAULT, tmp_path, LOCAL_TARGETS, "successful")
    assert got == 1 and verbose_lines(run) == []


# --- check mode ---------------------------------------------------------------------------------------

CHECK_MODE = """
async def program(automation, tmp):
    import os

    async with automation(check_mode=True) as ftl:
        touched = await ftl.file(path=tmp + "/would_be_created", state="touch")
        ran = await ftl.run_on("targets", "stat", path=tmp)
        values = {
            "check_mode": ftl.check_mode,
            "results": [[r.module, r.host, r.success] for r in ftl.results],
            "touched_changed": touched["changed"],
            "stat": [r.output["stat"]["isdir"] for r in ran],
        }
    values["created"] = os.path.exists(tmp + "/would_be_created")
    return values
"""


def test_check_mode_changes_nothing_and_keeps_ftl2s_record(tmp_path):
    expected, _ = bare(CHECK_MODE, tmp_path, LOCAL_TARGETS)
    got, run = as_job(CHECK_MODE, tmp_path, LOCAL_TARGETS, "successful")
    # FTL2's native file ignores check mode and creates the file; in a job a check never changes a host.
    assert expected.pop("created") is True and got.pop("created") is False
    assert got == expected
    assert expected["results"] == [["file", "localhost", True], ["stat", "h1", True], ["stat", "h2", True]]
    assert any(e["event"] == "runner_on_ok" and e["event_data"]["res"].get("changed") for e in run.events)


# --- inventory groups ---------------------------------------------------------------------------------

INVENTORY_FILE = (
    "[web]\nw1 ansible_connection=local ansible_port=2222\nw2 ansible_connection=local\n"
    "[db]\nd1 ansible_connection=local\n[prod:children]\nweb\n"
)

INVENTORY = """
async def program(automation, tmp):
    import os

    path = os.path.join(tmp, "inventory.ini")
    open(path, "w").write(INVENTORY_FILE)
    async with automation(inventory=path) as ftl:
        web = await ftl.web.command(cmd="echo web")
        values = {
            "groups": ftl.hosts.groups,
            "web": [h.name for h in ftl.hosts["web"]],
            "prod": [h.name for h in ftl.hosts["prod"]],
            "keys": sorted(ftl.hosts.keys()),
            "len": len(ftl.hosts),
            "in": ["w1" in ftl.hosts, "nope" in ftl.hosts],
            "w1": [ftl.hosts["w1"][0].ansible_port, ftl.hosts["w1"][0].ansible_connection],
            "ran": [r.host for r in web],
        }
    return values
""".replace("INVENTORY_FILE", repr(INVENTORY_FILE))


def test_a_programs_own_inventory_and_its_groups(tmp_path):
    expected, _ = bare(INVENTORY, tmp_path, None)
    got, _ = as_job(INVENTORY, tmp_path, None, "successful")
    # Ansible's inventory: the implicit `all` and `ungrouped` exist, and a group holds its children's hosts.
    assert expected.pop("prod") == [] and got.pop("prod") == ["w1", "w2"]
    assert set(expected.pop("groups")) == {"web", "db", "prod"} and set(got.pop("groups")) == {"web", "db", "prod", "all", "ungrouped"}
    assert got == expected
    assert expected["ran"] == ["w1", "w2"] and expected["w1"] == [2222, "local"]


# --- dynamic hosts and remote hosts (real sshd on 127.0.0.1) ---------------------------------------------

needs_sshd = pytest.mark.skipif(sshd.SSHD is None, reason="openssh-server is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def ssh_target(tmp_path_factory):
    root = tmp_path_factory.mktemp("ftl2-programs-ssh")
    key = sshd.keygen(root / "client_key")
    (server,) = sshd.start_servers(root / "servers", 1, key)
    yield {"port": server.port, "key": str(key), "closed": sshd.free_port()}
    server.stop()


def _remote_inventory(target: dict[str, Any]) -> str:
    return (
        "[remotes]\n"
        f"r1 ansible_host=127.0.0.1 ansible_port={target['port']} ansible_user=root ansible_python_interpreter=/usr/bin/python3 "
        f"ansible_ssh_private_key_file={target['key']} ssh_private_key_file={target['key']} disable_host_key_checking=True\n"
    )


REMOTE = """
async def program(automation, tmp):
    async with automation(fail_fast=True) as ftl:  # remote failures are returned, never raised, even with fail_fast
        touched = await ftl.remotes.file(path=tmp + "/remote-touched", state="touch")
        checked = await ftl.remotes.stat(path=tmp + "/remote-touched")
        failing = await ftl.remotes.command(cmd="exit 4")
        values = {
            "touched": [[r.host, r.success, r.changed] for r in touched],
            "stat": [[r.host, r.output["stat"]["exists"]] for r in checked],
            "failing": [[r.host, r.success, r.error, r.output["rc"]] for r in failing],
            "results": [[r.module, r.host, r.success] for r in ftl.results],
            "errors": [[e.module, e.host, e.error] for e in ftl.errors],
        }
    return values
"""


@pytest.mark.ssh
@needs_sshd
def test_remote_calls_return_their_failures_as_ftl2s_do(tmp_path, ssh_target):
    """On a remote host FTL2 returns a failed call's result where it raises for the same call on this machine;
    ``file`` and ``stat`` run there as Ansible's own modules under ftl2-runner, FTL2's record the same."""
    inventory = _remote_inventory(ssh_target)
    expected, _ = bare(REMOTE, tmp_path, inventory)
    got, _ = as_job(REMOTE, tmp_path, inventory, "failed")
    assert got == expected
    assert expected["touched"] == [["r1", True, True]] and expected["stat"] == [["r1", True]]
    assert expected["failing"] == [["r1", False, "exit code 4", 4]]
    assert expected["results"] == [["file", "r1", True], ["stat", "r1", True], ["command", "r1", False]]
    assert expected["errors"] == [["command", "r1", "exit code 4"]]


DYNAMIC = """
async def program(automation, tmp):
    values = {}
    async with automation(fail_fast=FAIL_FAST) as ftl:
        ftl.add_host("dyn1", ansible_host="127.0.0.1", ansible_port=PORT, ansible_user="root",
                     groups=["fresh"], ansible_python_interpreter="/usr/bin/python3",
                     ssh_private_key_file=KEY, disable_host_key_checking=True)
        ftl.add_host("gone1", ansible_host="127.0.0.1", ansible_port=CLOSED, groups=["fresh"])
        values["inventory"] = [sorted(ftl.hosts.keys()), "fresh" in ftl.hosts.groups, [h.name for h in ftl.hosts["fresh"]]]
        first = await ftl.run_on("gone1", "command", cmd="echo nobody answers")   # every host of the call unreachable
        values["first"] = [[r.host, r.success] for r in first]
        second = await ftl.fresh.command(cmd="echo dynamic")
        values["second"] = [[r.host, r.success, r.output.get("stdout")] for r in second]
        values["results"] = [[r.module, r.host, r.success] for r in ftl.results]
        values["failed"] = ftl.failed
    return values
"""
JUST_LOCALHOST = "[local]\nlocalhost ansible_connection=local\n"


def _dynamic(fail_fast: bool, target: dict[str, Any]) -> str:
    return (
        DYNAMIC.replace("FAIL_FAST", str(fail_fast))
        .replace("CLOSED", str(target["closed"]))
        .replace("PORT", str(target["port"]))
        .replace("KEY", repr(target["key"]))
    )


@pytest.mark.ssh
@needs_sshd
def test_hosts_added_at_run_time_are_the_jobs_hosts(tmp_path, ssh_target):
    """``add_host``, fail_fast=False: every call runs on every host, as on bare FTL2; the job ends failed (unreachable)."""
    program = _dynamic(False, ssh_target)
    expected, _ = bare(program, tmp_path, JUST_LOCALHOST)
    got, run = as_job(program, tmp_path, JUST_LOCALHOST, "failed")
    assert got == expected
    assert expected["inventory"] == [["dyn1", "gone1", "localhost"], True, ["dyn1", "gone1"]]
    assert expected["first"] == [["gone1", False]]
    assert expected["second"] == [["dyn1", True, "dynamic\n"], ["gone1", False, None]]
    assert run.events[-1]["event_data"]["dark"] == {"gone1": 2}


@pytest.mark.ssh
@needs_sshd
def test_unreachable_added_hosts_do_not_abort_the_job(tmp_path, ssh_target):
    """fail_fast=True: a call whose every host FTL2 reports unreachable does not end the program (FTL2
    raises nothing for calls on inventory hosts); as in a playbook, that host is not called again."""
    program = _dynamic(True, ssh_target)
    expected, _ = bare(program, tmp_path, JUST_LOCALHOST)
    got, run = as_job(program, tmp_path, JUST_LOCALHOST, "failed")
    assert expected["second"] == [["dyn1", True, "dynamic\n"], ["gone1", False, None]]
    assert got["second"] == [["dyn1", True, "dynamic\n"]]  # Ansible: gone1 left the play
    assert got["results"] == expected["results"][:-1]
    assert [got[k] for k in ("inventory", "first", "failed")] == [expected[k] for k in ("inventory", "first", "failed")]
    assert run.events[-1]["event_data"]["dark"] == {"gone1": 1}
