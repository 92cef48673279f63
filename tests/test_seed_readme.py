"""The seed README's snippets, verbatim in shape: its example script and its ``run_worker`` entry point.

The seed promised scripts like the one below (untargeted ``ftl.ping()``/``ftl.file()``/
``ftl.command()`` and a ``runner.emit_event`` between them) and an embedding API
``from ftl2_runner.worker import run_worker``. Each job goes through the real worker and
ansible-runner's Processor and must succeed with the custom event visible.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from streams import make_data_dir, parse_stream, pipeline, process, transmit, worker_env

SEED_SCRIPT = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.ping()
        runner.emit_event({"event": "custom_progress", "message": "Phase 1 complete"})
        await ftl.file(path=extravars["dir"] + "/ftl2-seed", state="directory")
        await ftl.command(cmd="echo hello")
    return 0
"""


def _check_seed_job(events, text, target):
    names = [e["event"] for e in events]
    assert names[0] == "playbook_on_start" and names[-1] == "playbook_on_stats"
    assert [e["event_data"]["task"] for e in events if e["event"] == "runner_on_ok"] == ["ping", "file", "command"]
    assert "Phase 1 complete" in text
    progress = [e for e in events if e.get("event_data", {}).get("custom_event") == "custom_progress"]
    assert len(progress) == 1 and progress[0]["event"] == "verbose"
    assert progress[0]["stdout"] == "Phase 1 complete" and progress[0]["event_data"]["message"] == "Phase 1 complete"
    # Emitted between two tasks: it sits in the job after ping's result and before the file task.
    position = events.index(progress[0])
    assert events[position - 1]["event"] == "runner_on_ok" and events[position + 1]["event"] == "playbook_on_task_start"
    assert (target / "ftl2-seed").is_dir()


def test_seed_example_script(tmp_path):
    target = tmp_path / "target"
    pdd = make_data_dir(tmp_path, SEED_SCRIPT, env_files={"extravars": json.dumps({"dir": str(target)})})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert run.final_status == "successful" and processed.status == "successful", run.text()
    _check_seed_job(processed.events, run.text(), target)


def test_seed_run_worker_entry_point(tmp_path):
    """``from ftl2_runner.worker import run_worker`` as an entry point reading the job on stdin."""
    target = tmp_path / "target"
    baked = tmp_path / "opt" / "main.py"
    baked.parent.mkdir()
    baked.write_text(textwrap.dedent(SEED_SCRIPT))
    pdd = make_data_dir(tmp_path, None, env_files={"extravars": json.dumps({"dir": str(target)})})
    import io

    import ansible_runner

    buffer = io.BytesIO()
    buffer.name = "transmit"
    ansible_runner.run(streamer="transmit", _output=buffer, private_data_dir=str(pdd), ident=3)  # no playbook
    entry = tmp_path / "entry.py"
    entry.write_text(
        textwrap.dedent(f"""
        from ftl2_runner.worker import run_worker

        run_worker(private_data_dir={str(tmp_path / "runner")!r}, keepalive_seconds=0, script_path={str(baked)!r})
    """)
    )
    done = subprocess.run([sys.executable, str(entry)], input=buffer.getvalue(), capture_output=True, timeout=120, env=worker_env())
    assert done.returncode == 0, done.stderr.decode()
    lines = parse_stream(done.stdout)
    assert [line["status"] for line in lines if "status" in line][-1] == "successful"
    processed = process(done.stdout, tmp_path / "controller", "3")
    assert processed.status == "successful"
    text = "\n".join(e["stdout"] for e in processed.events if e["stdout"])
    _check_seed_job(processed.events, text, target)


def test_transmit_cli_still_takes_a_py_script(tmp_path):
    """The seed's `ftl2-runner transmit DIR -p job.py` form keeps working next to the AWX forms."""
    pdd = make_data_dir(tmp_path, SEED_SCRIPT, env_files={"extravars": json.dumps({"dir": str(tmp_path / "t")})})
    assert b'"playbook": "job.py"' in transmit(pdd, "-p", "job.py")
