"""Against a real Receptor node, when a `receptor` binary is on PATH (the stand-in covers the contract otherwise).

No Receptor binary can be built or downloaded on the project's machines (no Go module proxy,
see ../shared/reference/awx-and-receptor.md §3), so this test skips there; the
work-command contract itself is exercised in every run by tests/test_cancel.py through
tests/receptor_standin.py.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from streams import FTL2_RUNNER, make_data_dir, parse_stream, transmit, worker_env

RECEPTOR = shutil.which("receptor")
RECEPTORCTL = shutil.which("receptorctl")

pytestmark = pytest.mark.skipif(
    RECEPTOR is None or RECEPTORCTL is None,
    reason="no receptor/receptorctl binary on PATH (not obtainable offline here); "
    "the Receptor work-command contract is covered by the stand-in in test_cancel.py",
)


def test_job_through_a_real_receptor_node(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.command(cmd="echo via receptor")
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    payload = tmp_path / "payload"
    payload.write_bytes(transmit(pdd, "-p", "job.py", "-i", "rcpt"))
    socket = tmp_path / "control.sock"
    config = tmp_path / "receptor.yml"
    config.write_text(
        f"""---
- node:
    id: ftl2-test
- control-service:
    service: control
    filename: {socket}
- work-command:
    worktype: ftl2
    command: {FTL2_RUNNER}
    params: worker
    allowruntimeparams: true
"""
    )
    node = subprocess.Popen([RECEPTOR, "--config", str(config)], env=worker_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        done = subprocess.run(
            [RECEPTORCTL, "--socket", str(socket), "work", "submit", "ftl2", "--payload", str(payload),
             "--param", f"params=--private-data-dir={tmp_path / 'w'}", "--follow", "--rm"],
            capture_output=True, timeout=180,
        )
        lines = parse_stream(done.stdout)
        assert [line["status"] for line in lines if "status" in line][-1] == "successful"
        assert lines[-1]["eof"] is True
    finally:
        node.terminate()
        node.wait(10)
