"""Every module call is exactly one task with per-host events, whatever path FTL2 takes inside."""

from __future__ import annotations

import json
import subprocess
import sys

from streams import make_data_dir, pipeline, worker_env

THREE_LOCAL = "[targets]\nh1 ansible_connection=local\nh2 ansible_connection=local\nh3 ansible_connection=local\n"


def _tasks(run):
    """[(task name, [(event, host), ...]), ...] in stream order."""
    tasks = []
    for event in run.events:
        if event["event"] == "playbook_on_task_start":
            tasks.append((event["event_data"]["task"], []))
        elif event["event"].startswith("runner_") and tasks:
            tasks[-1][1].append((event["event"], event["event_data"]["host"]))
    return tasks


def test_shortcuts_renamed_and_refused_modules_are_single_tasks(tmp_path):
    script = """
    from ftl2_runner.script import TaskFailed

    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.targets.ping()                       # FTL2 reports this as `command`
            await ftl.localhost.shell(cmd="echo shadowed")  # FTL2's own shell: no events at all
            await ftl.localhost.copy(content="x", dest=extravars["dest"])  # shortcut, no events
            try:
                await ftl.localhost.comand(cmd="echo x")  # a module FTL2 cannot find: refused, one failed task
            except TaskFailed:
                pass
        return 0
    """
    dest = tmp_path / "copied.txt"
    pdd = make_data_dir(tmp_path, script, inventory=THREE_LOCAL, env_files={"extravars": json.dumps({"dest": str(dest)})})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    tasks = _tasks(run)
    assert [name for name, _ in tasks] == ["ping", "shell", "copy", "comand"]
    ping_events = tasks[0][1]
    assert sorted(ping_events) == sorted(
        [("runner_on_start", h) for h in ("h1", "h2", "h3")] + [("runner_on_ok", h) for h in ("h1", "h2", "h3")]
    )
    assert tasks[1][1] == [("runner_on_start", "localhost"), ("runner_on_ok", "localhost")]
    assert tasks[2][1] == [("runner_on_start", "localhost"), ("runner_on_ok", "localhost")]
    assert tasks[3][1] == [("runner_on_start", "localhost"), ("runner_on_failed", "localhost")]
    shell_res = next(e for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["task"] == "shell")
    assert shell_res["event_data"]["res"]["stdout"] == "shadowed"
    refused = next(e for e in run.events if e["event"] == "runner_on_failed")
    assert "Cannot resolve 'comand'" in refused["event_data"]["res"]["msg"]
    assert dest.read_text() == "x"
    assert not any(
        e["event"]
        not in {
            "playbook_on_start",
            "playbook_on_play_start",
            "playbook_on_task_start",
            "runner_on_start",
            "runner_on_ok",
            "runner_on_failed",
            "playbook_on_stats",
        }
        for e in run.events
    )
    assert run.rc == 2 and processed.status == "failed"  # the refused call failed a task


def test_concurrent_calls_keep_their_own_tasks(tmp_path):
    # "slow" waits until "fast" has run: it prints "slow" only if the two calls overlap. Called one
    # after the other, "slow" (started first) gives up after 10 s and prints "alone".
    script = """
    import asyncio
    async def run(inventory_path, extravars, runner):
        flag = extravars["flag"]
        async with runner.automation() as ftl:
            with runner.task("slow"):
                wait = f"for i in $(seq 200); do [ -e {flag} ] && break; sleep 0.05; done; [ -e {flag} ] && echo slow || echo alone"
                slow = ftl.localhost.command(cmd=f"sh -c '{wait}'")
            with runner.task("fast"):
                fast = ftl.localhost.command(cmd=f"sh -c 'touch {flag}; echo fast'")
            results = await asyncio.gather(slow, fast)
        return 0
    """
    pdd = make_data_dir(tmp_path, script, env_files={"extravars": json.dumps({"flag": str(tmp_path / "fast-ran")})})
    run, _ = pipeline(pdd, tmp_path, "-p", "job.py")
    oks = [e for e in run.events if e["event"] == "runner_on_ok"]
    assert sorted((e["event_data"]["task"], e["event_data"]["res"]["stdout"]) for e in oks) == [("fast", "fast"), ("slow", "slow")]
    task_uuids = {e["event_data"]["task"]: e["uuid"] for e in run.events if e["event"] == "playbook_on_task_start"}
    assert list(task_uuids) == ["slow", "fast"]
    for ok in oks:
        assert ok["parent_uuid"] == task_uuids[ok["event_data"]["task"]]


def test_executor_as_binary_of_stock_ansible_runner(tmp_path):
    """`ansible-runner run DIR -p job.py --binary ftl2-playbook --cmdline job.py` gives our events once each."""
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.command(cmd="echo via binary")
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    bin_dir = __import__("pathlib").Path(sys.executable).parent
    done = subprocess.run(
        [
            str(bin_dir / "ansible-runner"),
            "run",
            str(pdd),
            "-p",
            "job.py",
            "-i",
            "stock",
            "--binary",
            str(bin_dir / "ftl2-playbook"),
            "--cmdline",
            "job.py",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=worker_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    events_dir = pdd / "artifacts" / "stock" / "job_events"
    events = [json.loads(p.read_text()) for p in events_dir.glob("*.json")]
    events.sort(key=lambda e: e["counter"])
    names = [e["event"] for e in events]
    assert names == [
        "playbook_on_start",
        "playbook_on_play_start",
        "playbook_on_task_start",
        "runner_on_start",
        "runner_on_ok",
        "playbook_on_stats",
    ]
    assert len({e["uuid"] for e in events}) == len(events)
    assert events[4]["event_data"]["res"]["stdout"] == "via binary"
