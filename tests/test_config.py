"""Ftl2RunnerConfig builds the executor command from a data dir exactly as upstream builds ansible-playbook's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ftl2_runner.processes.config import Ftl2RunnerConfig


def _prepared(tmp_path, **kwargs):
    pdd = tmp_path / "pdd"
    (pdd / "project").mkdir(parents=True)
    (pdd / "inventory").mkdir()
    (pdd / "inventory" / "hosts").write_text("[local]\nlocalhost\n")
    for rel, text in kwargs.pop("files", {}).items():
        (pdd / rel).parent.mkdir(parents=True, exist_ok=True)
        (pdd / rel).write_text(text)
    config = Ftl2RunnerConfig(private_data_dir=str(pdd), ident="t1", **kwargs)
    config.prepare()
    return config, pdd


def test_command_replaces_ansible_playbook_with_the_executor(tmp_path):
    config, pdd = _prepared(
        tmp_path,
        playbook="site.yml",
        verbosity=2,
        limit="web",
        files={"env/extravars": json.dumps({"a": 1}), "env/cmdline": "--check -f 3"},
    )
    assert config.command == [
        sys.executable,
        "-P",
        "-m",
        "ftl2_runner.executor",
        "--check",
        "-f",
        "3",
        "-i",
        str(pdd / "inventory"),
        "--limit",
        "web",
        "-e",
        f"@{pdd / 'env' / 'extravars'}",
        "-vv",
        "site.yml",
    ]
    assert config.cwd == str(pdd / "project")
    assert config.env["AWX_ISOLATED_DATA_DIR"] == str(pdd / "artifacts" / "t1")


def test_default_script_when_no_playbook(tmp_path):
    config, _ = _prepared(tmp_path, script_path="/opt/ftl2/main.py")
    assert config.command[-1] == "/opt/ftl2/main.py"
    config, _ = _prepared(tmp_path / "b")
    assert config.command[-2:] == ["-i", str(tmp_path / "b" / "pdd" / "inventory")]


def test_args_file_still_runs_a_raw_command(tmp_path):
    """AWX inventory updates send `args`; upstream's raw-command path must be untouched."""
    config, _ = _prepared(tmp_path, files={"args": "ansible-inventory --list --output out.json"})
    assert config.command == ["ansible-inventory", "--list", "--output", "out.json"]


def test_ssh_key_is_wrapped_with_ssh_agent_like_upstream(tmp_path):
    config, _ = _prepared(tmp_path, playbook="a.py", ssh_key="-----BEGIN KEY-----\nabc\n-----END KEY-----\n")
    # Upstream hands the key over through a FIFO whose writer thread blocks until someone reads it
    # (ssh-add, in a real job); read it here, or that non-daemon thread keeps pytest from exiting.
    assert Path(config.ssh_key_path).read_text().startswith("-----BEGIN KEY-----")
    assert config.command[0] == "ssh-agent"
    assert "ftl2_runner.executor" in config.command[-1]


def test_partial_files_for_every_event_when_upstream_checks_or_logs_them(tmp_path, monkeypatch):
    """Runner raises (check_job_event_data) or logs (--debug) for an event without a partial file."""
    from ansible_runner import output

    config, _ = _prepared(tmp_path / "a", playbook="a.py")
    assert "FTL2_RUNNER_EVENT_FILES" not in config.env
    config, _ = _prepared(tmp_path / "b", playbook="a.py", check_job_event_data=True)
    assert config.env["FTL2_RUNNER_EVENT_FILES"] == "1"
    monkeypatch.setattr(output, "DEBUG_ENABLED", True)
    config, _ = _prepared(tmp_path / "c", playbook="a.py")
    assert config.env["FTL2_RUNNER_EVENT_FILES"] == "1"
