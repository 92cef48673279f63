"""The ansible.cfg a job finds, read and applied as ansible-core does (under the environment)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ftl2_runner.executor.cli import ansible_cfg


def _cfg(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "ansible.cfg"
    path.write_text(text)
    return path


def test_the_projects_file_is_applied_under_the_environment(tmp_path: Path) -> None:
    project = tmp_path / "project"
    _cfg(
        project,
        "[defaults]\nremote_user = deploy\nforks = 7 ; inline comment\nremote_port = '2222'\n\n[privilege_escalation]\nbecome = yes\n",
    )
    os.chmod(project, 0o755)
    environ = {"ANSIBLE_FORKS": "3", "HOME": str(tmp_path / "home")}
    found = ansible_cfg.apply(environ, str(project))
    assert found.path == str(project / "ansible.cfg")
    assert environ["ANSIBLE_REMOTE_USER"] == "deploy"
    assert environ["ANSIBLE_FORKS"] == "3"  # the environment wins, as in ansible-core
    assert environ["ANSIBLE_REMOTE_PORT"] == "2222"  # one pair of quotes stripped
    assert environ["ANSIBLE_BECOME"] == "yes"
    assert found.ignored == [] and ansible_cfg.ignored_warning(found) is None


def test_ansible_config_names_the_file_first(tmp_path: Path) -> None:
    named = _cfg(tmp_path / "elsewhere", "[defaults]\nremote_user = named\n")
    _cfg(tmp_path / "project", "[defaults]\nremote_user = project\n")
    environ = {"ANSIBLE_CONFIG": str(named.parent)}  # a directory holding ansible.cfg
    found = ansible_cfg.apply(environ, str(tmp_path / "project"))
    assert found.path == str(named) and environ["ANSIBLE_REMOTE_USER"] == "named"


def test_a_world_writable_project_is_not_a_config_source(tmp_path: Path) -> None:
    project = tmp_path / "project"
    _cfg(project, "[defaults]\nremote_user = project\n")
    os.chmod(project, 0o777)
    environ: dict[str, str] = {}
    path, warnings = ansible_cfg.find(environ, str(project))
    assert path != str(project / "ansible.cfg")
    assert warnings and "world writable directory" in warnings[0] and "ignoring it as an ansible.cfg source" in warnings[0]


def test_settings_a_job_would_run_differently_without_are_named(tmp_path: Path) -> None:
    project = tmp_path / "project"
    text = "[defaults]\ncallbacks_enabled = profile_tasks\nroles_path = roles\n\n"
    _cfg(project, text + "[ssh_connection]\nssh_args = -o ProxyJump=bastion\npipelining = True\n")
    os.chmod(project, 0o755)
    found = ansible_cfg.apply({}, str(project))
    assert found.ignored == ["defaults.callbacks_enabled", "ssh_connection.ssh_args"]
    warning = ansible_cfg.ignored_warning(found)
    assert warning is not None and "defaults.callbacks_enabled, ssh_connection.ssh_args" in warning


def test_a_file_that_cannot_be_parsed_is_an_error_naming_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    _cfg(project, "remote_user = nobody-without-a-section\n")
    os.chmod(project, 0o755)
    with pytest.raises(ValueError, match=r"Error reading config file \(.*ansible.cfg\)"):
        ansible_cfg.apply({}, str(project))
