"""The task model as a script author meets it: returned results, caught failures, conditions, blocks.

End to end through ``ftl2-runner run`` (the real console script and upstream Runner): what an
awaited call returns, and what catching ``TaskFailed`` does. The compat cases check the same
constructs' event streams against ansible-runner; these check what only a script can observe.
"""

from __future__ import annotations

import json
import re
import subprocess

from streams import FTL2_RUNNER, make_data_dir, worker_env

THREE_HOSTS = "[targets]\nh1 ansible_connection=local\nh2 ansible_connection=local\nh3 ansible_connection=local\n"


def _run(pdd) -> tuple[int, str]:
    done = subprocess.run([FTL2_RUNNER, "run", str(pdd), "-p", "job.py"], capture_output=True, text=True, timeout=120, env=worker_env())
    return done.returncode, re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)


def test_awaited_calls_return_the_result_ansible_registers(tmp_path):
    out = tmp_path / "returned.json"
    pdd = make_data_dir(
        tmp_path,
        f"""
    import json
    from ftl2_runner.script import HostResults, Result

    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            one = await ftl.h1.command(cmd="echo ready")
            group = await ftl.targets.command(cmd="printf 'a\\\\nb\\\\n'")
            with runner.task("tolerated", ignore_errors=True):
                bad = await ftl.h2.command(cmd="false")
        json.dump({{
            "one_type": type(one).__name__, "one": one, "attr": one.stdout,
            "group_type": type(group).__name__, "hosts": sorted(group.keys()), "lines": group["h3"].stdout_lines,
            "listed": [r.host for r in group],
            "all_results": all(isinstance(r, Result) for r in group.values()), "is_mapping": isinstance(group, HostResults),
            "bad": bad,
        }}, open({str(out)!r}, "w"))
        return 0
    """,
        inventory=THREE_HOSTS,
    )
    rc, text = _run(pdd)
    assert rc == 0, text
    got = json.loads(out.read_text())
    assert got["one_type"] == "Result" and got["attr"] == "ready"
    one = got["one"]
    assert one["stdout"] == "ready" and one["stdout_lines"] == ["ready"] and one["rc"] == 0
    assert one["changed"] is True and one["failed"] is False and one["cmd"] == ["echo", "ready"]
    assert list(one)[:2] == ["changed", "failed"]  # as Ansible registers it
    assert got["group_type"] == "HostResults" and got["is_mapping"] and got["all_results"]
    assert got["hosts"] == ["h1", "h2", "h3"] and got["lines"] == ["a", "b"]
    assert got["listed"] == ["h1", "h2", "h3"]  # and FTL2's list: its results in the hosts' order, each with .host
    assert got["bad"]["failed"] is True and got["bad"]["rc"] == 1


def test_catching_taskfailed_keeps_the_host_in_the_play(tmp_path):
    # docs/scripts.md: a script that catches TaskFailed carries on, and its clean-up runs on the failed host.
    pdd = make_data_dir(
        tmp_path,
        """
    from ftl2_runner.script import TaskFailed

    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            try:
                with runner.task("deploy"):
                    await ftl.localhost.command(cmd="false")
            except TaskFailed as failure:
                with runner.task("roll back"):
                    await ftl.localhost.command(cmd=f"echo rolling back {failure.task_name}")
        return 0
    """,
    )
    rc, text = _run(pdd)
    assert "TASK [roll back]" in text and "changed: [localhost]" in text, text
    assert re.search(r"localhost\s+: ok=1\s+changed=1\s+unreachable=0\s+failed=1", text), text
    assert rc == 2  # the recap still counts the failure, as ansible-playbook's rc does


def test_a_rescued_failure_ends_the_job_successful(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            async def body():
                with runner.task("deploy"):
                    await ftl.localhost.command(cmd="false")
                with runner.task("not after a failure"):
                    await ftl.localhost.command(cmd="echo no")

            async def rescue():
                with runner.task("roll back"):
                    await ftl.localhost.command(cmd="echo rollback")

            await runner.block(body, rescue=rescue)
            with runner.task("carry on"):
                await ftl.localhost.command(cmd="echo on")
        return 0
    """,
    )
    rc, text = _run(pdd)
    assert rc == 0, text
    assert "TASK [not after a failure]" not in text
    assert text.index("TASK [roll back]") < text.index("TASK [carry on]")
    assert re.search(r"localhost\s+: ok=2\s+changed=2\s+unreachable=0\s+failed=0\s+skipped=0\s+rescued=1", text), text


def test_an_unrescued_block_failure_leaves_the_play_after_always(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            async def body():
                with runner.task("deploy"):
                    await ftl.localhost.command(cmd="false")

            async def always():
                with runner.task("clean up"):
                    await ftl.localhost.command(cmd="echo cleanup")

            await runner.block(body, always=always)
            with runner.task("never reached"):
                await ftl.localhost.command(cmd="echo no")
        return 0
    """,
    )
    rc, text = _run(pdd)
    assert rc == 2, text
    assert "TASK [clean up]" in text and "TASK [never reached]" not in text


def test_arguments_are_templated_per_host_and_check_mode_holds_for_them(tmp_path):
    # A porting author pastes `{{ }}` arguments and per-host lambdas; under --check nothing may change.
    out = tmp_path / "out"
    out.mkdir()
    script = f"""
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await runner.set_fact(hosts="targets", port="{{{{ http_port | default(80) }}}}")
            with runner.task("show", when="port == 8080 and ansible_check_mode == {{check}}"):
                await ftl.targets.debug(msg="{{{{ inventory_hostname }}}} on {{{{ port }}}}")
            with runner.task("templated dest"):
                await ftl.targets.copy(content="host={{{{ inventory_hostname }}}}\\n", dest="{out}/{{{{ inventory_hostname }}}}.txt")
            with runner.task("lambda path"):
                await ftl.targets.file(path=lambda v: "{out}/dir-" + v.inventory_hostname, state="directory")
        return 0
    """
    inventory = "[targets]\nh1 ansible_connection=local http_port=8080\nh2 ansible_connection=local http_port=8080\n"
    for check in (True, False):
        pdd = make_data_dir(tmp_path / str(check), script.replace("{check}", str(check)), inventory=inventory)
        args = [FTL2_RUNNER, "run", str(pdd), "-p", "job.py"] + (["--cmdline=--check"] if check else [])
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=worker_env())
        text = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)
        assert done.returncode == 0, text
        assert '"msg": "h1 on 8080"' in text and '"msg": "h2 on 8080"' in text  # set_fact kept the int, debug rendered
        made = sorted(p.name for p in out.iterdir())
        if check:
            assert made == [], text  # --check: neither the templated copy nor the per-host file ran for real
        else:
            assert made == ["dir-h1", "dir-h2", "h1.txt", "h2.txt"], text
            assert (out / "h2.txt").read_text() == "host=h2\n"


def test_a_serial_batch_that_fails_entirely_ends_the_play(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation():
            for play in runner.serial_play(hosts="targets", serial=1):
                with runner.task("breaks on h1", when='inventory_hostname == "h1"'):
                    await play.command(cmd="false")
                with runner.task("after"):
                    await play.command(cmd="echo after")
        return 0
    """,
        inventory=THREE_HOSTS,
    )
    rc, text = _run(pdd)
    assert rc == 2, text
    assert text.count("PLAY [targets]") == 1 and "[h2]" not in text and "[h3]" not in text, text
