"""The script forms AWX can list: a ``hosts:`` line in a Python script, and launchers naming a script.

Also the script API details these forms rely on: ``runner.emit_event`` with any name, and
``runner.automation(inventory=...)`` staying local to its context.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from streams import BIN_DIR, make_data_dir, pipeline, worker_env

FTL2_PLAYBOOK = str(BIN_DIR / "ftl2-playbook")
TWO_GROUPS = "[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\n[db]\nd1 ansible_connection=local\n"

HOSTS_SCRIPT = """{header}
async def run(inventory_path, extravars, runner):
    print("DEFAULT " + json.dumps(runner.default_hosts))
    async with runner.automation() as ftl:
        await ftl.ping()
        await ftl.command(cmd="echo hi")
        with runner.play() as play:
            await play.ping()
    return 0
import json
"""


def _ok_hosts(events, task):
    return sorted(e["event_data"]["host"] for e in events if e["event"] == "runner_on_ok" and e["event_data"]["task"] == task)


def test_hosts_all_line_targets_every_host(tmp_path):
    pdd = make_data_dir(tmp_path, HOSTS_SCRIPT.format(header="hosts: all"), name="site.yml", inventory=TWO_GROUPS)
    run, processed = pipeline(pdd, tmp_path, "-p", "site.yml")
    assert processed.status == "successful", run.text()
    assert "ftl2_runner.executor" in " ".join(run.statuses[0]["command"])
    plays = [e["event_data"]["name"] for e in run.events if e["event"] == "playbook_on_play_start"]
    assert plays == ["all", "all"]  # the implicit play and runner.play() both use the script's pattern
    assert [e["event_data"]["play_pattern"] for e in run.events if e["event"] == "playbook_on_task_start"] == ["all"] * 3
    oks = [(e["event_data"]["task"], e["event_data"]["host"]) for e in run.events if e["event"] == "runner_on_ok"]
    assert sorted(oks) == sorted([(t, h) for t in ("ping", "command", "ping") for h in ("w1", "w2", "d1")])
    assert 'DEFAULT "all"' in run.text()


def test_quoted_hosts_pattern_selects_its_hosts(tmp_path):
    pdd = make_data_dir(tmp_path, HOSTS_SCRIPT.format(header='hosts: "web"'), name="site.yml", inventory=TWO_GROUPS)
    run, processed = pipeline(pdd, tmp_path, "-p", "site.yml")
    assert processed.status == "successful", run.text()
    assert _ok_hosts(run.events, "command") == ["w1", "w2"]
    assert "PLAY [web]" in run.text()


def test_without_a_hosts_line_untargeted_calls_stay_on_localhost(tmp_path):
    pdd = make_data_dir(tmp_path, HOSTS_SCRIPT.format(header=""), inventory=TWO_GROUPS)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    assert _ok_hosts(run.events, "command") == ["localhost"]
    assert "PLAY [localhost]" in run.text() and "DEFAULT null" in run.text()


def test_hosts_pattern_matching_nothing_is_skipped_like_ansible(tmp_path):
    pdd = make_data_dir(tmp_path, HOSTS_SCRIPT.format(header='hosts: "nosuch"'), name="site.yml", inventory=TWO_GROUPS)
    run, processed = pipeline(pdd, tmp_path, "-p", "site.yml")
    assert processed.status == "successful", run.text()
    assert "Could not match supplied host pattern, ignoring: nosuch" in run.text()
    assert "skipping: no hosts matched" in run.text()
    assert not [e for e in run.events if e["event"] == "runner_on_ok"]


def test_unquoted_hosts_name_is_a_clear_error(tmp_path):
    pdd = make_data_dir(tmp_path, HOSTS_SCRIPT.format(header="hosts: web"), name="site.yml", inventory=TWO_GROUPS)
    run, processed = pipeline(pdd, tmp_path, "-p", "site.yml")
    assert processed.status == "failed" and run.rc == 1
    assert "the 'hosts:' line must be 'hosts: all' or a quoted host pattern" in run.text()
    assert "Traceback" not in run.text()


def test_which_hosts_lines_are_headers():
    import pytest

    from ftl2_runner.intake.script_header import ScriptHeaderError, declared_hosts

    assert declared_hosts("hosts: all\n") == "all"
    assert declared_hosts('"""doc"""\nhosts: "web:&prod"\n') == "web:&prod"
    assert declared_hosts('hosts: str = "db"\n') == "db"
    assert declared_hosts("hosts: list[str] = []\n") is None  # an ordinary annotated variable
    assert declared_hosts("def f():\n    hosts: all\n") is None  # only top-level lines count
    with pytest.raises(ScriptHeaderError, match="quoted host pattern"):
        declared_hosts("hosts: web\n")
    with pytest.raises(ScriptHeaderError, match="names no host pattern"):
        declared_hosts('hosts: " "\n')


# --- launchers ---------------------------------------------------------------------------

SCRIPT = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.command(cmd="echo launched " + str(extravars.get("colour")))
    return 0
"""


def _launcher(script: str, extra_vars: str = "", extra_play: str = "") -> str:
    return f"- name: launch\n  hosts: web\n  gather_facts: false\n{extra_play}  vars:\n    ftl2_script: {script}\n{extra_vars}"


def _project(tmp_path: Path, launcher: str) -> Path:
    pdd = make_data_dir(tmp_path, launcher, name="launch.yml", inventory=TWO_GROUPS)
    (pdd / "project" / "scripts").mkdir()
    (pdd / "project" / "scripts" / "job.py").write_text(textwrap.dedent(SCRIPT))
    return pdd


def test_launcher_runs_a_project_script_with_its_hosts_and_vars(tmp_path):
    pdd = _project(tmp_path, _launcher("scripts/job.py", "    colour: blue\n"))
    run, processed = pipeline(pdd, tmp_path, "-p", "launch.yml")
    assert processed.status == "successful", run.text()
    assert _ok_hosts(run.events, "command") == ["w1", "w2"]
    assert all(e["event_data"]["res"]["stdout"] == "launched blue" for e in run.events if e["event"] == "runner_on_ok")
    assert {e["event_data"]["playbook"] for e in run.events if e["event"] == "playbook_on_play_start"} == {"launch.yml"}


def test_launcher_vars_are_defaults_under_extra_vars(tmp_path):
    pdd = _project(tmp_path, _launcher("scripts/job.py", "    colour: blue\n"))
    (pdd / "env").mkdir()
    (pdd / "env" / "extravars").write_text("colour: red\n")
    run, processed = pipeline(pdd, tmp_path, "-p", "launch.yml")
    assert processed.status == "successful", run.text()
    assert {e["event_data"]["res"]["stdout"] for e in run.events if e["event"] == "runner_on_ok"} == {"launched red"}


def test_launcher_default_runs_ftl2_script(tmp_path):
    baked = tmp_path / "baked" / "main.py"
    baked.parent.mkdir()
    baked.write_text(textwrap.dedent(SCRIPT))
    pdd = _project(tmp_path, _launcher("default"))
    run, processed = pipeline(pdd, tmp_path, "-p", "launch.yml", env=worker_env(FTL2_SCRIPT=str(baked)))
    assert processed.status == "successful", run.text()
    assert _ok_hosts(run.events, "command") == ["w1", "w2"]


def test_launcher_refusals_end_the_job_with_a_clear_error(tmp_path):
    pdd = _project(tmp_path, _launcher("/etc/passwd"))
    run, processed = pipeline(pdd, tmp_path, "-p", "launch.yml")
    assert processed.status == "failed" and run.rc == 1
    assert "ftl2_script: /etc/passwd is not a script this node allows" in run.text()
    assert run.lines[-1] == {"eof": True, "_zip_b64_len": run.lines[-1]["_zip_b64_len"]}


@pytest.mark.parametrize("written", ['"scripts/job\\0.py"', '"/opt/ftl2/main.py\\0"', '"\\0"'], ids=["relative", "absolute", "only-nul"])
def test_a_nul_byte_in_ftl2_script_is_explained_by_the_launcher(tmp_path, written):
    """A NUL byte (YAML's ``\\0``) in ``ftl2_script``: the launcher's message, not a traceback."""
    pdd = _project(tmp_path, _launcher(written))
    run, processed = pipeline(pdd, tmp_path, "-p", "launch.yml")
    assert processed.status == "failed", run.text()
    assert "Traceback" not in run.text() and "NUL" in run.text(), run.text()
    assert run.events[-1]["event"] == "error" and "executor ended without finishing" not in run.text()


def _executor(tmp_path: Path, launcher: str, **env: str) -> subprocess.CompletedProcess:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True, exist_ok=True)
    (project / "scripts" / "job.py").write_text(textwrap.dedent(SCRIPT))
    (project / "launch.yml").write_text(launcher)
    inventory = tmp_path / "hosts"
    inventory.write_text(TWO_GROUPS)
    return subprocess.run(
        [FTL2_PLAYBOOK, "-i", str(inventory), "launch.yml"], cwd=project, capture_output=True, text=True, timeout=120, env=worker_env(**env)
    )


def test_launcher_paths_a_project_author_must_not_reach(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text(textwrap.dedent(SCRIPT))
    (tmp_path / "project" / "scripts").mkdir(parents=True)
    os.symlink(outside, tmp_path / "project" / "scripts" / "link.py")
    (tmp_path / "project" / "other.yml").write_text("- hosts: all\n  tasks: []\n")
    cases = {
        "../outside.py": "leaves the project",
        "scripts/link.py": "leaves the project",  # a symlink out of the project counts as outside
        str(outside): "is not a script this node allows",
        "other.yml": "is an Ansible playbook, not an FTL2 script",
        "launch.yml": "is another launcher",
        "scripts/missing.py": "could not be found",
        "scripts": "is not a regular file",
        '\'{{ lookup("env", "HOME") }}\'': "templates",
        "''": "must be a path or 'default'",
    }
    for written, message in cases.items():
        done = _executor(tmp_path, _launcher(written))
        assert done.returncode == 1, (written, done.stdout)
        assert message in done.stdout, (written, done.stdout)
        assert "Traceback" not in done.stdout


def test_launcher_absolute_paths_under_allowed_dirs(tmp_path):
    allowed = tmp_path / "site-scripts"
    allowed.mkdir()
    (allowed / "job.py").write_text(textwrap.dedent(SCRIPT))
    done = _executor(tmp_path, _launcher(str(allowed / "job.py")), FTL2_RUNNER_SCRIPT_DIRS=f"/nonexistent:{allowed}")
    assert done.returncode == 0, done.stdout
    assert "changed: [w1]" in done.stdout


def test_launcher_shapes_that_are_not_guessed(tmp_path):
    cases = {
        _launcher("scripts/job.py", extra_play="  tasks:\n    - ping:\n"): "may only have name, hosts, gather_facts",
        _launcher("scripts/job.py") + "- hosts: all\n  tasks: []\n": "exactly one play",
        "- hosts: all\n  ftl2_script: scripts/job.py\n": "under the play's 'vars:'",
        "- hosts: all\n  gather_facts: true\n  vars:\n    ftl2_script: scripts/job.py\n": "gather_facts: false",
        "hosts: all\nvars: {ftl2_script: scripts/job.py}\n": "is a mapping, not a list of plays",  # valid Python, too
    }
    for launcher, message in cases.items():
        done = _executor(tmp_path, launcher)
        assert done.returncode == 1 and message in done.stdout, (launcher, done.stdout)


def test_launchers_are_never_delegated_to_ansible_playbook(tmp_path):
    """Even with an ansible-playbook on the job's PATH (it would run the empty play and succeed)."""
    from ftl2_runner.processes.config import Ftl2RunnerConfig

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "ansible-playbook").write_text("#!/bin/sh\nexit 0\n")
    (fake_bin / "ansible-playbook").chmod(0o755)
    pdd = _project(tmp_path, _launcher("scripts/job.py"))
    (pdd / "project" / "real.yml").write_text("- hosts: all\n  tasks:\n    - ping:\n")
    commands = {}
    for playbook in ("launch.yml", "real.yml"):
        config = Ftl2RunnerConfig(
            private_data_dir=str(pdd), ident=playbook, playbook=playbook, envvars={"PATH": f"{fake_bin}:{os.environ['PATH']}"}
        )
        config.prepare()
        commands[playbook] = config.command
    assert commands["launch.yml"][1:4] == ["-P", "-m", "ftl2_runner.executor"]
    assert commands["real.yml"][0] == "ansible-playbook"  # a real playbook keeps its path


# --- script API the forms rely on ----------------------------------------------------------


def test_emit_event_names_text_and_data(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.ping()
            runner.emit_event({"event": "custom_progress", "message": "Phase 1 complete", "step": 1,
                               "event_data": {"extra": True}})
            runner.emit_event({"event": "debug", "msg": "a debug line"})
            runner.emit_event({"event": "verbose", "stdout": "shown", "message": "kept"})
            runner.emit_event({"event": "runner_on_weird"})
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    custom = [e for e in processed.events if e["event"] in ("verbose", "debug") and e.get("event_data", {}).get("play")]
    assert [(e["event"], e["stdout"]) for e in custom] == [
        ("verbose", "Phase 1 complete"),
        ("debug", "a debug line"),
        ("verbose", "shown"),
        ("verbose", ""),
    ]
    first = custom[0]["event_data"]
    assert first["custom_event"] == "custom_progress" and first["step"] == 1 and first["extra"] is True
    assert first["message"] == "Phase 1 complete" and first["play"] == "localhost"  # in the script's current play
    assert custom[2]["event_data"]["message"] == "kept" and "custom_event" not in custom[2]["event_data"]
    assert custom[3]["event_data"]["custom_event"] == "runner_on_weird"


def test_automation_inventory_stays_in_its_context(tmp_path):
    other = tmp_path / "other_hosts"
    other.write_text("[other]\nonly1 ansible_connection=local\n")
    script = f"""
    import json
    async def run(inventory_path, extravars, runner):
        async with runner.automation(inventory={str(other)!r}) as ftl:
            print("FIRST " + json.dumps(runner.hosts_matching("all")))
            await ftl.other.command(cmd="echo first")
        async with runner.automation() as ftl:
            print("SECOND " + json.dumps(runner.hosts_matching("all")))
            await ftl.web.command(cmd="echo second")
        return 0
    """
    pdd = make_data_dir(tmp_path, script, inventory=TWO_GROUPS)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    assert 'FIRST ["only1"]' in run.text() and 'SECOND ["w1", "w2", "d1"]' in run.text()
    assert _ok_hosts(run.events, "command") == ["only1", "w1", "w2"]
