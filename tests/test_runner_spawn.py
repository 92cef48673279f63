"""RunnerSpawn: Runner's expect loop no longer keeps the whole job's output.

Each test runs a real child on a real pty and drives it the way upstream Runner does
(``expect(patterns + [TIMEOUT, EOF], timeout=..., searchwindowsize=100)`` in a loop,
output consumed through ``logfile_read``).
"""

from __future__ import annotations

import io
import sys
import time

import pexpect
import ptyprocess.ptyprocess
import pytest

from ftl2_runner.processes.runner_spawn import RunnerSpawn

# 3 bursts of 20,000 lines, 0.3 s apart: several expect timeouts, never a match.
CHATTY = (
    "import sys, time\n"
    "for burst in range(3):\n"
    "    sys.stdout.write(''.join(f'line {burst} {i}\\n' for i in range(20000)))\n"
    "    sys.stdout.flush()\n"
    "    time.sleep(0.3)\n"
)
PROMPT = "import sys; sys.stdout.write('x' * 50000 + '\\nPassword: '); sys.stdout.flush(); print('got', input())"
# The prompt arrives in two reads, one wake-up apart: the match needs what the previous
# expect call read, which pexpect keeps in its search window, not in ``before``.
SPLIT_PROMPT = (
    "import sys, time\n"
    "sys.stdout.write('x' * 50000 + '\\nPass'); sys.stdout.flush(); time.sleep(0.5)\n"
    "sys.stdout.write('word: '); sys.stdout.flush(); print('got', input())\n"
)


def _drive(spawn_class: type[pexpect.spawn], code: str, patterns: list, answer: str | None = None):
    log = io.StringIO()
    child = spawn_class(sys.executable, ["-c", code], encoding="utf-8", echo=False, timeout=30)
    child.logfile_read = log
    largest_before = 0
    deadline = time.monotonic() + 20
    while child.isalive():
        assert time.monotonic() < deadline, "the child did not finish: a prompt was not answered?"
        index = child.expect(patterns + [pexpect.TIMEOUT, pexpect.EOF], timeout=0.1, searchwindowsize=100)
        largest_before = max(largest_before, len(child._before.getvalue()), len(child.before or ""))
        if index < len(patterns) and answer is not None:
            child.sendline(answer)
    child.expect(pexpect.EOF, timeout=5)
    child.close()
    return log.getvalue(), largest_before, child.exitstatus


def test_plain_pexpect_keeps_all_output_which_is_what_we_fix():
    output, largest_before, status = _drive(pexpect.spawn, CHATTY, ["never printed"])
    assert status == 0
    assert largest_before > 500_000, "pexpect itself should keep the output read since the last match"


def test_runner_spawn_keeps_at_most_one_read_and_loses_no_output():
    output, largest_before, status = _drive(RunnerSpawn, CHATTY, ["never printed"])
    assert status == 0
    lines = output.splitlines()
    assert len(lines) == 60000 and lines[0] == "line 0 0" and lines[-1] == "line 2 19999"
    # Nothing read by one expect call is kept for the next; pexpect (test above) keeps it all.
    assert largest_before == 0


@pytest.mark.parametrize("code", [PROMPT, SPLIT_PROMPT], ids=["one-read", "split-across-wake-ups"])
def test_password_prompt_is_still_found_after_much_output(code):
    output, _, status = _drive(RunnerSpawn, code, [r"Password:\s*?$"], answer="s3cret")
    assert status == 0
    assert "got s3cret" in output


def _reaped_child(spawn_class: type[pexpect.spawn]) -> pexpect.spawn:
    child = spawn_class(sys.executable, ["-c", "import sys; print('bye'); sys.exit(3)"], encoding="utf-8")
    child.expect(pexpect.EOF, timeout=10)
    while child.isalive():  # Runner's loop ends the same way: isalive() is False, the child is reaped
        child.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=0.1)
    return child


def _naps_during_close(child: pexpect.spawn, monkeypatch) -> list[float]:
    naps: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(ptyprocess.ptyprocess.time, "sleep", lambda seconds: (naps.append(seconds), real_sleep(seconds)))
    child.close()
    monkeypatch.undo()
    return [nap for nap in naps if nap > 0]


def test_plain_pexpect_naps_in_close_which_is_what_we_skip(monkeypatch):
    assert _naps_during_close(_reaped_child(pexpect.spawn), monkeypatch) == [0.1]


def test_close_after_the_child_is_reaped_does_not_nap_and_keeps_the_exit_status(monkeypatch):
    child = _reaped_child(RunnerSpawn)
    assert _naps_during_close(child, monkeypatch) == []
    assert child.exitstatus == 3


def test_close_of_a_live_child_keeps_the_nap_and_terminates_it(monkeypatch):
    child = RunnerSpawn(sys.executable, ["-c", "import time; time.sleep(30)"], encoding="utf-8")
    assert 0.1 in _naps_during_close(child, monkeypatch)
    assert not child.isalive()
    assert child.signalstatus is not None
