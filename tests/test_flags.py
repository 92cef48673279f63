"""No flag is silently ignored: each is honoured as Ansible/ansible-runner do, or refused before anything runs.

The script of every "look, don't run" test creates a canary file when it runs, so a
flag that ran the job anyway fails the test; the text the user sees is checked as well.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from streams import BIN_DIR, FTL2_RUNNER, make_data_dir, pipeline, process, run_worker, transmit, worker_env

FTL2_PLAYBOOK = str(BIN_DIR / "ftl2-playbook")
INVENTORY = "[local]\nlocalhost ansible_connection=local\n[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\n"


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _canary_job(tmp_path):
    canary = tmp_path / "the-script-ran"
    pdd = make_data_dir(
        tmp_path,
        f"""
    async def run(inventory_path, extravars, runner):
        open({str(canary)!r}, "w").close()
        async with runner.automation() as ftl:
            await ftl.localhost.ping()
        return 0
    """,
        inventory=INVENTORY,
    )
    return pdd, canary


def test_syntax_check_in_env_cmdline_compiles_and_runs_nothing(tmp_path):
    pdd, canary = _canary_job(tmp_path)
    (pdd / "env").mkdir()
    (pdd / "env" / "cmdline").write_text("--syntax-check")
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert run.rc == 0 and run.final_status == "successful" and processed.status == "successful"
    # ansible-playbook's words, as plain lines (as ansible-runner streams them); no task, no recap
    assert [(e["event"], e["stdout"]) for e in run.events] == [("verbose", ""), ("verbose", "playbook: job.py")]
    assert not canary.exists()


def test_syntax_check_reports_a_syntax_error(tmp_path):
    pdd = make_data_dir(tmp_path, "async def run(:\n")
    done = subprocess.run(
        [FTL2_PLAYBOOK, "--syntax-check", "job.py"], cwd=pdd / "project", capture_output=True, text=True, timeout=60, env=worker_env()
    )
    assert done.returncode == 4
    assert "is not valid Python" in done.stdout and "Origin: " in done.stdout and "^ column" in done.stdout


def test_list_hosts_through_run_cmdline_resolves_inventory_and_limit(tmp_path):
    pdd, canary = _canary_job(tmp_path)
    done = subprocess.run(
        [FTL2_RUNNER, "run", str(pdd), "-p", "job.py", "--cmdline=--list-hosts", "--limit", "web"],
        capture_output=True,
        text=True,
        timeout=120,
        env=worker_env(),
    )
    assert done.returncode == 0, done.stdout
    assert _plain(done.stdout) == (
        "\n"
        "playbook: job.py\n"
        "\n"
        "  hosts the script can target (its plays choose among them):\n"
        "    pattern: ['all']\n"
        "    hosts (2):\n"
        "      w1\n"
        "      w2\n"
    )
    assert not canary.exists()


def test_list_hosts_of_an_ad_hoc_command_is_ansibles(tmp_path):
    pdd = make_data_dir(tmp_path, None, inventory=INVENTORY)
    done = subprocess.run(
        [FTL2_PLAYBOOK, "-i", str(pdd / "inventory" / "hosts"), "-m", "ping", "web", "--list-hosts"],
        capture_output=True,
        text=True,
        timeout=60,
        env=worker_env(),
    )
    assert done.returncode == 0 and done.stdout == "  hosts (2):\n    w1\n    w2\n"


def test_syntax_check_wins_over_list_hosts_as_in_ansible_playbook(tmp_path):
    pdd, canary = _canary_job(tmp_path)
    done = subprocess.run(
        [FTL2_PLAYBOOK, "--list-hosts", "--syntax-check", "job.py"],
        cwd=pdd / "project",
        capture_output=True,
        text=True,
        timeout=60,
        env=worker_env(),
    )
    assert done.returncode == 0 and done.stdout == "\nplaybook: job.py\n" and not canary.exists()


@pytest.mark.parametrize("flag", ["--list-tasks", "--list-tags"])
def test_list_tasks_and_tags_are_refused_before_anything_runs(tmp_path, flag):
    pdd, canary = _canary_job(tmp_path)
    done = subprocess.run(
        [FTL2_PLAYBOOK, "-i", str(pdd / "inventory" / "hosts"), flag, "job.py"],
        cwd=pdd / "project",
        capture_output=True,
        text=True,
        timeout=60,
        env=worker_env(),
    )
    assert done.returncode == 5
    assert _plain(done.stdout).startswith(f"[ERROR]: {flag} cannot be answered for an FTL2 script")
    assert not canary.exists()


def test_unknown_flag_is_refused_by_name_before_running(tmp_path):
    pdd, canary = _canary_job(tmp_path)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", "--cmdline=--list-hostz")
    assert run.rc == 2 and run.final_status == "failed" and processed.status == "failed"
    assert run.text() == "[ERROR]: invalid command line: unrecognized arguments: --list-hostz"
    assert not canary.exists()


def _job_events(artifacts):
    events = [json.loads(p.read_text()) for p in (artifacts / "job_events").glob("*.json")]
    return sorted(events, key=lambda e: e["counter"])


FAILING = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo ok")
        await ftl.localhost.command(cmd="/bin/false")
    return 0
"""


def test_only_failed_event_data_through_run(tmp_path):
    pdd = make_data_dir(tmp_path, FAILING)
    done = subprocess.run(
        [FTL2_RUNNER, "run", str(pdd), "-p", "job.py", "-i", "x", "--only-failed-event-data"],
        capture_output=True,
        text=True,
        timeout=120,
        env=worker_env(),
    )
    assert done.returncode == 2
    events = _job_events(pdd / "artifacts" / "x")
    with_data = [e["event"] for e in events if e["event_data"]]
    assert with_data == ["runner_on_failed"]
    assert "fatal: [localhost]: FAILED!" in _plain(done.stdout)  # the text is unchanged


def test_omit_event_data_through_run(tmp_path):
    pdd = make_data_dir(tmp_path, FAILING)
    subprocess.run(
        [FTL2_RUNNER, "run", str(pdd), "-p", "job.py", "-i", "x", "--omit-event-data"],
        capture_output=True,
        text=True,
        timeout=120,
        env=worker_env(),
    )
    events = _job_events(pdd / "artifacts" / "x")
    assert len(events) == 9 and all(e["event_data"] == {} for e in events)


def test_omit_event_data_through_transmit_worker_process(tmp_path):
    """transmit | worker | Processor: no event carries data, the text is unchanged.

    Not checked against AWX's contract: with this option ansible-runner's own stats event
    has no counts either (compat case `omit_event_data`), and AWX never sets it.
    """
    pdd = make_data_dir(tmp_path, FAILING)
    run = run_worker(transmit(pdd, "-p", "job.py", "--omit-event-data"), tmp_path / "w", awx_check=False)
    processed = process(run.stdout, tmp_path / "controller", run.statuses[0]["runner_ident"])
    assert run.rc == 2 and processed.status == "failed"
    assert run.statuses[0]["env"]["RUNNER_OMIT_EVENTS"] == "True"
    assert [e["event_data"] for e in run.events if "event_data" in e] == [{}] * 9
    assert "fatal: [localhost]: FAILED!" in run.text()


def test_run_ad_hoc_options(tmp_path):
    pdd = make_data_dir(tmp_path, None, inventory=INVENTORY)
    done = subprocess.run(
        [FTL2_RUNNER, "run", str(pdd), "-m", "command", "-a", "echo hello ad hoc", "--hosts", "w1"],
        capture_output=True,
        text=True,
        timeout=120,
        env=worker_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert _plain(done.stdout) == "w1 | CHANGED | rc=0 >>\nhello ad hoc\n"


def test_worker_version():
    from ftl2_runner import __version__

    done = subprocess.run([FTL2_RUNNER, "worker", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == f"{__version__}\n"


@pytest.mark.parametrize("command", ["transmit", "process"])
def test_upstream_commands_help_names_ftl2_runner(command):
    done = subprocess.run([FTL2_RUNNER, command, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.startswith(f"usage: ftl2-runner {command} ")
    assert "usage: ansible-runner" not in done.stdout
