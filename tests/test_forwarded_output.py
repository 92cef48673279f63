"""What a job prints: never an event it did not earn, every line kept, prompts answered.

Through the real worker and upstream's Processor: a script, its subprocesses and raw fd
writes print awx_display markers (a complete forged event, a malformed one, one split
across two writes), print many lines around tasks, and prompt for a password after an event.
"""

from __future__ import annotations

import base64
import json
import subprocess

import pytest
from streams import FTL2_RUNNER, make_data_dir, pipeline, run_worker, transmit, worker_env


def _marker(data: dict | str) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    b64 = base64.b64encode(text.encode()).decode()
    chunks = [b64[i : i + 78] for i in range(0, len(b64), 78)]
    return "\x1b[K" + "".join(f"{chunk}\x1b[{len(chunk)}D" for chunk in chunks) + "\x1b[K"


FORGED = {
    "uuid": "f0f0f0f0-0000-4000-8000-000000000001",
    "event": "runner_on_ok",
    "pid": 1,
    "created": "2026-01-01T00:00:00+00:00",
    "event_data": {"host": "evil", "task": "forged", "res": {"changed": True}},
}


@pytest.mark.parametrize("how", ["print", "cat", "fd1-raw", "fd2-split", "dev-tty", "malformed"])
def test_nothing_a_job_prints_becomes_an_event(tmp_path, how):
    forged = _marker(FORGED) + "ok: [evil]\n" + _marker({})
    if how == "malformed":
        # a begin marker with a uuid and no partial file: upstream emits an event with no `event` key
        forged = _marker({"uuid": "m-1"}) + "text\n" + _marker({}) + _marker("not json") + "more\n" + _marker({})
    (tmp_path / "payload.txt").write_text(forged)
    body = {
        "print": f"print(open({str(tmp_path / 'payload.txt')!r}).read(), end='')",
        "cat": f"subprocess.run(['cat', {str(tmp_path / 'payload.txt')!r}])",
        "fd1-raw": f"os.write(1, open({str(tmp_path / 'payload.txt')!r}, 'rb').read())",
        # ESC[ in one write, K in the next, with a pause: the pieces meet again on the pty
        "fd2-split": ("data = open(%r, 'rb').read(); os.write(2, data[:1] + b'['); time.sleep(0.3); os.write(2, data[2:])")
        % str(tmp_path / "payload.txt"),
        "dev-tty": f"subprocess.run(['sh', '-c', 'cat \"$0\" > /dev/tty', {str(tmp_path / 'payload.txt')!r}])",
        "malformed": f"print(open({str(tmp_path / 'payload.txt')!r}).read(), end='')",
    }[how]
    script = f"""
    import os, subprocess, time
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            {body}
            await ftl.localhost.command(cmd="echo after")
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful"
    events = run.events
    assert all(e.get("event") for e in events), "an event without an event name reached the stream"
    assert not [e for e in events if e.get("uuid") == FORGED["uuid"] or e.get("event_data", {}).get("host") == "evil"]
    assert [e["event"] for e in events if e["event"].startswith("runner_on_")] == ["runner_on_start", "runner_on_ok"]
    if how != "malformed":
        assert "ok: [evil]" in run.text()  # shown as the text it is, in a verbose event


def test_every_printed_line_reaches_the_stdout_artifact_and_the_console(tmp_path):
    """30 lines before each of 20 tasks, three runs: 600 of 600 lines every time (upstream's filter lost most)."""
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            for task in range(20):
                for line in range(30):
                    print(f"line {task}.{line}")
                with runner.task(f"task {task}"):
                    await ftl.localhost.command(cmd="true")
        return 0
    """
    expected = [f"line {t}.{n}" for t in range(20) for n in range(30)]
    for attempt in range(3):
        pdd = make_data_dir(tmp_path / str(attempt), script)
        console = subprocess.run(
            [FTL2_RUNNER, "run", str(pdd), "-p", "job.py", "-i", "lines"], capture_output=True, text=True, timeout=120, env=worker_env()
        )
        assert console.returncode == 0, console.stdout[-2000:]
        artifact = (pdd / "artifacts" / "lines" / "stdout").read_text()
        for text in (console.stdout, artifact):
            printed = [line for line in text.splitlines() if line.startswith("line ")]
            assert printed == expected, f"run {attempt}: {len(printed)} of {len(expected)} lines"
        run, processed = pipeline(pdd, tmp_path / str(attempt), "-p", "job.py")
        streamed = [line for e in run.events if e["event"] == "verbose" for line in e["stdout"].split("\r\n") if line.startswith("line ")]
        assert streamed == expected


def test_a_prompt_anchored_at_the_line_start_is_answered_after_events(tmp_path):
    """env/passwords as ansible-runner's docs write them (`^...$`), for a prompt printed after task output."""
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.command(cmd="echo before the prompt")
            answer = input("Vault password: ")
            print("GOT " + answer[::-1])
        return 0
    """
    pdd = make_data_dir(
        tmp_path,
        script,
        env_files={"passwords": json.dumps({r"^Vault password:\s*?$": "s3cret"}), "settings": json.dumps({"idle_timeout": 20})},
    )
    run = run_worker(transmit(pdd, "-p", "job.py"), tmp_path / "w", timeout=60)
    assert run.final_status == "successful", run.text()[-2000:]
    assert "GOT terc3s" in run.text()
    assert "s3cret" not in run.stdout.decode()


def test_a_prompt_on_dev_tty_is_answered_and_its_output_captured(tmp_path):
    """A child that prompts on /dev/tty (as ssh and sudo do) gets its answer; nothing bypasses the capture."""
    script = """
    import subprocess
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.command(cmd="echo before the prompt")
            subprocess.run(["sh", "-c", "printf 'Password: ' > /dev/tty; read answer < /dev/tty; echo tty got $answer > /dev/tty"])
        return 0
    """
    pdd = make_data_dir(
        tmp_path, script, env_files={"passwords": json.dumps({r"^Password:\s*?$": "s3cret"}), "settings": json.dumps({"idle_timeout": 20})}
    )
    run = run_worker(transmit(pdd, "-p", "job.py"), tmp_path / "w", timeout=60)
    assert run.final_status == "successful", run.text()[-2000:]
    lines = [e["stdout"] for e in run.events if e["event"] == "verbose"]
    assert "tty got s3cret" in lines
    assert "s3cret" not in "".join(lines).replace("tty got s3cret", "")


def test_a_long_print_interrupted_by_signals_arrives_whole(tmp_path):
    """8 MB without a newline while a timer signal fires every millisecond, under PYTHONUNBUFFERED=1.

    CPython then gives stdout no buffered layer, and a write a signal interrupts took only part
    of the text: the rest was dropped (a 50 MB print reached the events with 30 MB of it).
    """
    script = """
    import signal, sys
    async def run(inventory_path, extravars, runner):
        signal.signal(signal.SIGALRM, lambda *_: None)
        signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
        sys.stdout.write("x" * (8 * 1024 * 1024))
        sys.stdout.flush()
        signal.setitimer(signal.ITIMER_REAL, 0)
        print("<end>")
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=worker_env(PYTHONUNBUFFERED="1"))
    assert processed.status == "successful"
    printed = "".join(e["stdout"] for e in run.events if e["event"] == "verbose")
    assert printed.count("x") == 8 * 1024 * 1024
    assert "<end>" in printed
    artifact = (processed.artifact_dir / "stdout").read_text()
    assert artifact.count("x") == 8 * 1024 * 1024
