"""A script author's first mistakes, through the real console scripts: each one explained, in their terms.

Every test checks the text the user sees: the `ftl2-runner run` console, or the job
output AWX shows (event stdout through transmit | worker | Processor).
"""

from __future__ import annotations

import re
import subprocess

import pytest
from streams import BIN_DIR, FTL2_RUNNER, make_data_dir, pipeline, worker_env

FTL2_PLAYBOOK = str(BIN_DIR / "ftl2-playbook")
NOTICE = "ended without finishing the playbook"


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _run(pdd, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([FTL2_RUNNER, "run", str(pdd), *args], capture_output=True, text=True, timeout=120, env=env or worker_env())


def test_run_returning_nonzero_says_so_before_the_recap(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.ping()
        return 3
    """,
    )
    done = _run(pdd, "-p", "job.py")
    out = _plain(done.stdout)
    assert done.returncode == 3
    assert "[ERROR]: run() returned 3\n\nPLAY RECAP" in out  # the job's last words, then the recap


def test_sys_exit_with_a_message_shows_the_message(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    import sys
    async def run(inventory_path, extravars, runner):
        sys.exit("the database is down")
    """,
    )
    done = _run(pdd, "-p", "job.py")
    assert done.returncode == 1
    assert "[ERROR]: the FTL2 script exited with status 1: the database is down" in _plain(done.stdout)


@pytest.mark.parametrize(
    ("script", "rc", "explanation"),
    [
        pytest.param(None, 1, "the FTL2 script: job.py could not be found", id="missing-file"),
        pytest.param("async def run(:\n", 4, "is not valid Python", id="syntax-error"),
        pytest.param("x = 1\n", 1, "does not define run(", id="no-run"),
        pytest.param("def run(inventory_path, extravars, runner):\n    return 0\n", 1, "must be 'async def run", id="not-async"),
        pytest.param("import no_such_module_anywhere\n", 1, "No module named 'no_such_module_anywhere'", id="import-error"),
    ],
)
def test_load_errors_are_explained_without_the_crash_notice(tmp_path, script, rc, explanation):
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    text = run.text()
    assert run.rc == rc and run.final_status == "failed" and processed.status == "failed"
    assert explanation in text
    assert NOTICE not in text  # the executor refused the script; it did not crash
    assert run.events[-1]["event"] == "error"


def test_the_crash_notice_stays_for_an_executor_that_dies(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    import os
    async def run(inventory_path, extravars, runner):
        runner.display("about to vanish")
        os._exit(1)
    """,
    )
    run, _ = pipeline(pdd, tmp_path, "-p", "job.py")
    assert run.rc == 1 and NOTICE in run.text()


@pytest.mark.parametrize("emitted", ["playbook_on_stats", "error"])
def test_an_event_the_script_emits_never_hides_a_later_crash(tmp_path, emitted):
    """``runner.emit_event`` of a recap or an error, then the executor dies: the crash notice stays
    (only the executor's own recap or refusal means it ended on purpose)."""
    pdd = make_data_dir(
        tmp_path,
        f"""
    import os
    async def run(inventory_path, extravars, runner):
        runner.emit_event({{"event": "{emitted}", "stdout": "looks final"}})
        runner.display("then it dies")
        os._exit(3)
    """,
    )
    run, _ = pipeline(pdd, tmp_path, "-p", "job.py")
    assert run.final_status == "failed" and NOTICE in run.text(), run.text()
    assert "looks final" in run.text()
    assert [e["event"] for e in run.events].count("playbook_on_stats") == 0  # AWX ends a job at its stats


def test_syntax_error_points_at_file_line_column_with_a_caret(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        x = (1,
        return 0
    """,
    )
    done = _run(pdd, "-p", "job.py")
    out = _plain(done.stdout)
    path = pdd / "project" / "job.py"
    assert done.returncode == 4
    assert f"[ERROR]: the FTL2 script {path} is not valid Python: '(' was never closed\n" in out
    assert (
        f"Origin: {path}:3:9\n\n"
        "1\n"  # ansible-core writes no space after the number of an empty line
        "2 async def run(inventory_path, extravars, runner):\n"
        "3     x = (1,\n"
        "          ^ column 9\n"
    ) in out


SCRIPT_RAISING = """
def helper():
    raise RuntimeError("kaboom")

async def run(inventory_path, extravars, runner):
    helper()
"""


def test_tracebacks_start_at_the_scripts_frames(tmp_path):
    pdd = make_data_dir(tmp_path, SCRIPT_RAISING)
    out = _plain(_run(pdd, "-p", "job.py").stdout)
    path = pdd / "project" / "job.py"
    trace = out[out.index("Traceback") : out.index("RuntimeError: kaboom")]
    assert trace.splitlines()[1] == f'  File "{path}", line 6, in run'
    assert "asyncio" not in trace and "ftl2_runner" not in trace


def test_full_traceback_at_vvv(tmp_path):
    pdd = make_data_dir(tmp_path, SCRIPT_RAISING)
    out = _plain(_run(pdd, "-p", "job.py", "-vvv").stdout)
    trace = out[out.index("Traceback") : out.index("RuntimeError: kaboom")]
    assert "ftl2_runner/executor/__main__.py" in trace and "asyncio" in trace


def test_missing_await_names_the_scripts_line(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            ftl.localhost.ping()
            await ftl.localhost.command(cmd="echo hi")
        return 0
    """,
    )
    out = _plain(_run(pdd, "-p", "job.py").stdout)
    path = pdd / "project" / "job.py"
    assert (
        f"[WARNING]: {path}:4: a module call was never awaited, so it did not run: ftl.localhost.ping() (put 'await' before the call)"
    ) in out
    assert "TaskExecutor" not in out


def test_mistyped_data_dir_is_one_line(tmp_path):
    missing = tmp_path / "does-not-exist"
    done = subprocess.run([FTL2_RUNNER, "run", str(missing), "-p", "x.py"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == f"[ERROR]: the private data dir: {missing} could not be found\n"
    assert done.stdout == "" and not missing.exists()


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_ftl2_playbook_help(flag):
    done = subprocess.run([FTL2_PLAYBOOK, flag], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("usage: ftl2-playbook [-h] [--version]")
    assert "--syntax-check" in done.stdout and "playbook" in done.stdout


def test_ftl2_playbook_version():
    from ftl2_runner import __version__

    done = subprocess.run([FTL2_PLAYBOOK, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(f"ftl2-playbook [ftl2-runner {__version__}, ftl2 ")


def test_ftl2_playbook_without_a_playbook_prints_usage_and_runs_nothing(tmp_path):
    canary = tmp_path / "ran"
    script = tmp_path / "default.py"
    script.write_text(f"async def run(i, e, r):\n    open({str(canary)!r}, 'w').close()\n")
    done = subprocess.run([FTL2_PLAYBOOK], capture_output=True, text=True, timeout=60, env=worker_env(FTL2_SCRIPT=str(script)))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("usage: ftl2-playbook")
    assert "ftl2-playbook: error: the following arguments are required: playbook" in done.stderr
    assert "/opt/ftl2/main.py" not in done.stderr and not canary.exists()


def test_a_misspelled_module_fails_with_ansibles_words_not_our_search_paths(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            with runner.task("typo"):
                await ftl.localhost.comand(cmd="echo hi")
        return 0
    """,
    )
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    failed = [e for e in run.events if e["event"] == "runner_on_failed"]
    assert run.rc == 2 and processed.status == "failed"
    assert [e["event_data"]["res"] for e in failed] == [
        {"changed": False, "exception": "(traceback unavailable)", "msg": "Task failed: Cannot resolve 'comand' to an action or module."}
    ]
    text = run.text()
    assert "[ERROR]: Task failed: Cannot resolve 'comand' to an action or module." in text
    assert "Searched paths" not in text and "site-packages" not in text  # the worker's own paths stay out of the job


def test_a_loop_body_with_a_second_task_is_refused_at_that_line(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            async for item in runner.loop(["x", "y"]):
                with runner.task("a"):
                    await ftl.localhost.command(cmd=f"echo a{item}")
                with runner.task("b"):
                    await ftl.localhost.command(cmd=f"echo b{item}")
        return 0
    """,
    )
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    text = run.text()
    assert run.rc == 1 and processed.status == "failed"
    assert "UsageError: runner.loop(): the loop's task is 'a' (command), but its body also calls command as 'b'" in text
    assert 'line 8, in run\n    await ftl.localhost.command(cmd=f"echo b{item}")\n' in _plain(text)
    assert "executor.py" not in text  # the frames that found the mistake are ours, not the author's
    items = [e["event_data"]["res"]["item"] for e in run.events if e["event"] == "runner_item_on_ok"]
    assert items == ["x"]  # nothing of "b" was folded into "a"'s items


def test_a_when_given_per_item_inside_a_loop_holds_for_that_item(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            async for item in runner.loop([1, 2, 3]):
                with runner.task("odd only", when=item % 2 == 1):
                    await ftl.localhost.command(cmd=f"echo {item}")
        return 0
    """,
    )
    run, _ = pipeline(pdd, tmp_path, "-p", "job.py")
    outcomes = [(e["event"], e["event_data"]["res"]["item"]) for e in run.events if e["event"].startswith("runner_item_on_")]
    assert outcomes == [("runner_item_on_ok", 1), ("runner_item_on_skipped", 2), ("runner_item_on_ok", 3)]


@pytest.mark.parametrize(
    ("body", "explanation"),
    [
        pytest.param(
            """
        with runner.play("p", hosts="localhost"):
            runner.handler("restart", restart)
            with runner.task("change", notify="restart"):
                await ftl.localhost.command(cmd="echo x")
    """,
            "handlers were notified in this play, but it was opened with `with`",
            id="sync-play",
        ),
        pytest.param(
            """
        runner.handler("restart", restart)
    """,
            "runner.handler('restart') outside `async with runner.play(...)`",
            id="handler-outside-a-play",
        ),
        pytest.param(
            """
        async with runner.play("p", hosts="localhost"):
            runner.handler("restart", restart)
            with runner.task("change", notify="restrat"):
                await ftl.localhost.command(cmd="echo x")
    """,
            "notify='restrat': the play has no handler of that name or listen topic",
            id="misspelled-handler",
        ),
    ],
)
def test_handler_mistakes_are_explained(tmp_path, body, explanation):
    import textwrap

    script = (
        "async def run(inventory_path, extravars, runner):\n"
        "    async def restart():\n"
        "        await ftl.localhost.command(cmd='echo restarting')\n"
        "    async with runner.automation() as ftl:\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "        ") + "\n    return 0\n"
    )
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert run.rc == 1 and processed.status == "failed"
    assert explanation in run.text()
    assert "RUNNING HANDLER" not in run.text()


def test_retrying_an_action_ftl2_runner_runs_itself_is_refused(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            with runner.task("wait", until="false", retries=2, delay=0):
                await ftl.localhost.debug(msg="hi")
        return 0
    """,
    )
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert run.rc == 1 and processed.status == "failed"
    assert "runner.task(until=/retries=) around debug: only module calls are retried" in run.text()
    assert not [e for e in run.events if e["event"] == "runner_retry"]


def test_a_mistyped_host_is_named_at_the_scripts_line(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            with runner.task("typo"):
                await ftl.nosuchhost.command(cmd="echo hi")
        return 0
    """,
    )
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    text = _plain(run.text())
    assert run.rc == 1 and processed.status == "failed"
    assert "UsageError: ftl.nosuchhost.command(...): the inventory has no host or group named 'nosuchhost'" in text
    assert 'line 5, in run\n    await ftl.nosuchhost.command(cmd="echo hi")\n' in text
    assert "Invalid FQCN" not in text and not [e for e in run.events if e["event"] == "runner_on_start"]  # nothing ran


def test_each_host_outside_a_free_play_is_refused_at_that_line(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation():
            async with runner.play(hosts="localhost") as play:

                async def tasks(host):
                    await host.command(cmd="echo never")

                await play.each_host(tasks)
        return 0
    """,
    )
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    text = run.text()
    assert run.rc == 1 and processed.status == "failed"
    assert "play.each_host(...) runs each host through the body on its own, which is Ansible's strategy free" in text
    assert "line 9, in run\n    await play.each_host(tasks)\n" in _plain(text)
    assert not [e for e in run.events if e["event"] == "runner_on_start"]  # nothing ran under linear


def test_an_unreadable_project_ansible_cfg_fails_the_job_naming_it(tmp_path):
    pdd = make_data_dir(tmp_path, "async def run(inventory_path, extravars, runner):\n    return 0\n")
    (pdd / "project" / "ansible.cfg").write_text("remote_user = a line before any section\n")
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    text = _plain(run.text())
    assert processed.status == "failed" and run.rc != 0
    assert "Error reading config file (" in text and "ansible.cfg): File contains no section headers" in text
    assert run.stdout.rstrip().endswith(b'{"eof": true}')


def test_project_ansible_cfg_settings_not_applied_are_named(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.debug(msg="{{ ansible_config_file | basename }} {{ ansible_forks }}")
        return 0
    """,
    )
    (pdd / "project" / "ansible.cfg").write_text("[defaults]\nforks = 9\ncallbacks_enabled = profile_tasks\nroles_path = roles\n")
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    text = _plain(run.text())
    assert processed.status == "successful"
    assert "[WARNING]: ftl2-runner does not apply these settings of " in text and "ansible.cfg: defaults.callbacks_enabled" in text
    assert "roles_path" not in text  # no bearing on a script's job: not named
    assert '"msg": "ansible.cfg 9"' in text
