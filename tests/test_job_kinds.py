"""Jobs that are not FTL2 scripts: real playbooks and AWX's raw `args` commands keep upstream behaviour."""

from __future__ import annotations

import os

import pytest
from streams import make_data_dir, pipeline, worker_env

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: a real Ansible task
      ping:
"""


def _without_ansible_playbook():
    env = worker_env()
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not os.path.exists(os.path.join(p, "ansible-playbook")))
    return env


def test_yaml_playbook_without_ansible_fails_clearly(tmp_path):
    pdd = make_data_dir(tmp_path, PLAYBOOK, name="site.yml")
    run, processed = pipeline(pdd, tmp_path, "-p", "site.yml", env=_without_ansible_playbook())
    assert run.rc == 1 and processed.status == "failed"
    assert "is an Ansible playbook, not an FTL2 script, and no ansible-playbook is available" in run.text()


def test_python_in_a_yml_file_is_an_ftl2_script(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.command(cmd="echo from yml")
        return 0
    """
    pdd = make_data_dir(tmp_path, script, name="site.yml")
    run, processed = pipeline(pdd, tmp_path, "-p", "site.yml")
    assert processed.status == "successful"
    assert "ftl2_runner.executor" in run.statuses[0]["command"]


@pytest.fixture(scope="module")
def reference_bin():
    from compat.reference import ensure_reference_env

    return ensure_reference_env()


def test_yaml_playbook_is_delegated_to_ansible_playbook(tmp_path, reference_bin):
    pdd = make_data_dir(tmp_path, PLAYBOOK, name="site.yml")
    env = worker_env(PATH=f"{reference_bin}{os.pathsep}{os.environ['PATH']}", ANSIBLE_PYTHON_INTERPRETER=str(reference_bin / "python"))
    run, processed = pipeline(pdd, tmp_path, "-p", "site.yml", env=env)
    assert processed.status == "successful", run.text()
    assert run.statuses[0]["command"][0] == "ansible-playbook"
    assert "TASK [a real Ansible task]" in run.text()
    assert [e["event"] for e in run.events].count("runner_on_ok") == 1


def test_args_file_runs_as_a_raw_command(tmp_path):
    """AWX inventory updates send an `args` command; its output becomes verbose events (upstream)."""
    pdd = make_data_dir(tmp_path, None)
    (pdd / "args").write_text("sh -c 'echo line one; echo line two'")
    run, processed = pipeline(pdd, tmp_path, "-p", "unused.yml")
    assert processed.status == "successful"
    assert run.statuses[0]["command"] == ["sh", "-c", "echo line one; echo line two"]
    assert [e["stdout"] for e in run.events] == ["line one", "line two"]
    assert {e["event"] for e in run.events} == {"verbose"}
