"""The gate's own loop (``lean_gate``) against FTL2's gate: the same conversation, the same answers.

A real gate built by FTL2's builder is started by the real start command on this machine's Python
(the SSH side is the compat suite's remote cases and tests/test_ssh.py); the conversation is what a
job sends (a multiplexed Hello, FTL2's ``command`` module as ping/command/shell, Ansible modules
forked from the gate, a keepalive Hello, Shutdown) and what only FTL2's gate answers (an ``async``
module function, ``Info``, a module sent by name alone), which the lean loop hands over mid-stream.
It runs once with the lean loop and once with FTL2's gate answering everything; the answers must
be the same.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ftl2_runner.executor.ftl2 import forked_modules, remote_modules
from ftl2_runner.executor.ftl2.gate import build_gates
from ftl2_runner.executor.ftl2.gate_connection import _ftl_source, start_command

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

_ASYNC_MODULE = base64.b64encode(b"async def main(args):\n    return {'async': True, 'args': args}\n").decode()
_RUNNER = base64.b64encode(forked_modules.RUNNER.encode()).decode()


@pytest.fixture(scope="module")
def built_gate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (path,) = build_gates(str(tmp_path_factory.mktemp("gates")), [PYTHON])
    return Path(path)


def _home(tmp_path: Path, gate: Path) -> tuple[Path, str]:
    home = tmp_path / "home"
    (home / ".ftl").mkdir(parents=True)
    shutil.copy(gate, home / ".ftl" / gate.name)
    # The Ansible library the forked modules run from, installed as a first contact installs it.
    bundle = tmp_path / "library.zip"
    bundle.write_bytes(remote_modules.bundle_bytes("command"))
    installed = subprocess.run(
        [PYTHON, str(bundle)],
        input=json.dumps({"ANSIBLE_MODULE_ARGS": {"cmd": "true"}}).encode(),
        capture_output=True,
        env=dict(os.environ, HOME=str(home)),
        timeout=60,
    )
    assert installed.returncode == 0, installed.stderr
    return home, f".ftl/{gate.name}"


def _forked(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "module_name": remote_modules.PREFIX + name,
        "module": _RUNNER,
        "module_args": {"name": name, "module_args": args, "digest": remote_modules.library_digest()},
    }


def _waits_for(mine: Path, theirs: Path) -> dict[str, Any]:
    """Ansible's ``command`` module, forked: says it runs, then waits (10 s at most) for the other one."""
    script = f"touch {mine}; i=0; while [ ! -e {theirs} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; test -e {theirs}"
    return _forked("command", {"_raw_params": script, "_uses_shell": True})


async def _converse(home: Path, gate_file: str, own_loop: bool, steps: list[list[tuple[str, Any]]]) -> tuple[list[Any], int]:
    """Send each step's messages at once, then read as many answers; answers by message id, in send order."""
    from ftl2.message import GateProtocol

    protocol = GateProtocol()
    environment = dict(os.environ, HOME=str(home))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    process = await asyncio.create_subprocess_shell(
        start_command(gate_file, PYTHON, own_loop=own_loop),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=environment,
    )
    assert process.stdin is not None and process.stdout is not None
    answers: list[Any] = []
    msg_id = 0
    first_kind, first_data = steps[0][0]
    ids = first_kind == "Hello" and "multiplex" in first_data.get("capabilities", [])  # else FTL2's serial loop
    for step in steps:
        sent = []
        for kind, data in step:
            msg_id += 1
            sent.append(msg_id)
            if msg_id == 1 or not ids:  # the first message has no id (gate_connection's handshake, FTL2's too)
                await protocol.send_message(process.stdin, kind, data)
            else:
                await protocol.send_message_with_id(process.stdin, kind, data, msg_id)
        got = {}
        for _ in sent:
            answer = await asyncio.wait_for(protocol.read_message(process.stdout), 60)
            assert answer is not None, "the gate ended"
            unanswered = [number for number in sent if number not in got]  # FTL2's serial loop: no ids, in order
            got[answer[2] if len(answer) == 3 else unanswered[0]] = [answer[0], answer[1]]
        answers += [got[number] for number in sent]
    process.stdin.close()
    return answers, await asyncio.wait_for(process.wait(), 60)


_WHEN = ("start", "end", "delta")  # Ansible's command module times itself


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _timeless(item) for key, item in value.items() if key not in _WHEN}
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    if isinstance(value, str) and value.startswith("{"):
        try:
            return _timeless(json.loads(value))
        except ValueError:
            return value
    return value


def _comparable(answer: list[Any]) -> list[Any]:
    kind, data = answer[0], _timeless(answer[1])
    if kind == "InfoResult":
        data = dict(data, pid=0)
    if isinstance(data, dict) and "traceback" in data:
        data = dict(data, traceback=data["traceback"].strip().splitlines()[-1])
    return [kind, data]


def _job_steps(tmp_path: Path) -> list[list[tuple[str, Any]]]:
    command = _ftl_source("command")
    return [
        [("Hello", {"capabilities": ["multiplex"]})],
        [("FTLModule", {"module_name": "command", "module": command, "module_args": {"cmd": "echo hi"}})],
        [("FTLModule", {"module_name": "shell", "module": command, "module_args": {"cmd": "echo $((1+2)) | tr 3 x"}})],
        [("FTLModule", {"module_name": "command", "module": command, "module_args": {"cmd": "exit 3", "check": True}})],
        [("FTLModule", {"module_name": "nothing", "module": command, "module_args": {}})],
        [("FTLModule", _forked("stat", {"path": PYTHON}))],  # a path whose times the two runs do not change
        [("FTLModule", _waits_for(tmp_path / "a", tmp_path / "b")), ("FTLModule", _waits_for(tmp_path / "b", tmp_path / "a"))],
        [("FTLModule", _forked("command", {"_raw_params": "sh -c 'echo out; echo err >&2; exit 4'", "_uses_shell": True}))],
        [("Hello", {})],
    ]


def _handed_over_steps(tmp_path: Path) -> list[list[tuple[str, Any]]]:
    command = _ftl_source("command")
    return [
        [("FTLModule", {"module_name": "async_one", "module": _ASYNC_MODULE, "module_args": {"n": 1}})],
        [("FTLModule", {"module_name": "command", "module": command, "module_args": {"cmd": "echo after"}})],
        [("FTLModule", _forked("stat", {"path": PYTHON}))],
        [("Info", {})],
        [("FTLModule", {"module_name": "not_sent_at_all"})],
    ]


def _run(tmp_path: Path, gate: Path, own_loop: bool, steps: list[list[tuple[str, Any]]]) -> tuple[list[Any], int, Path]:
    home, gate_file = _home(tmp_path, gate)
    for name in ("a", "b"):
        (tmp_path / name).unlink(missing_ok=True)
    answers, code = asyncio.run(_converse(home, gate_file, own_loop, steps))
    return [_comparable(answer) for answer in answers], code, home


def test_a_jobs_conversation_is_answered_as_ftl2s_gate_answers_it_without_asyncio(tmp_path, built_gate):
    steps = _job_steps(tmp_path) + [[("Shutdown", {})]]
    lean, lean_code, lean_home = _run(tmp_path / "lean", built_gate, True, steps)
    ftl2, ftl2_code, ftl2_home = _run(tmp_path / "ftl2", built_gate, False, steps)
    # Paths in the answers are per run: make the two runs' directories the same.
    lean = json.loads(json.dumps(lean).replace(str(tmp_path / "lean"), "TMP"))
    ftl2 = json.loads(json.dumps(ftl2).replace(str(tmp_path / "ftl2"), "TMP"))
    assert lean == ftl2
    assert lean_code == ftl2_code == 0
    hello, echo, shell, failed, nothing, stat, first, second, stderr, keepalive, goodbye = lean
    assert hello[0] == "Hello" and hello[1]["capabilities"] == ["multiplex"] and len(hello[1]["gate_hash"]) == 16
    assert echo[1]["result"]["stdout"].strip() == "hi" and shell[1]["result"]["stdout"].strip() == "x"
    assert failed[0] == "Error" and failed[1]["message"].startswith("FTL module execution failed: ")
    assert nothing[0] == "Error" and "no main() or ftl_nothing()" in nothing[1]["message"]
    assert stat[1]["result"]["rc"] == 0 and stat[1]["result"]["stdout"][remote_modules.ENVELOPE]["stat"]["exists"] is True
    assert first[1]["result"]["rc"] == 0 and second[1]["result"]["rc"] == 0  # both ran at once: each saw the other
    module = stderr[1]["result"]["stdout"][remote_modules.ENVELOPE]
    assert stderr[1]["result"]["rc"] == 1 and module["rc"] == 4 and module["stdout"] == "out" and module["stderr"] == "err"
    assert keepalive == ["Hello", {"gate_hash": hello[1]["gate_hash"]}] and goodbye == ["Goodbye", {}]
    # FTL2's gate logs every message at DEBUG into ~/.ftl/gate.log, without limit; the lean loop does not.
    assert (ftl2_home / ".ftl" / "gate.log").exists() and not (lean_home / ".ftl" / "gate.log").exists()


def test_what_only_ftl2s_gate_answers_is_handed_to_it_mid_conversation(tmp_path, built_gate):
    steps = _job_steps(tmp_path)[:3] + _handed_over_steps(tmp_path) + [[("Hello", {})], [("Shutdown", {})]]
    lean, lean_code, lean_home = _run(tmp_path / "lean", built_gate, True, steps)
    ftl2, ftl2_code, _ = _run(tmp_path / "ftl2", built_gate, False, steps)
    lean = json.loads(json.dumps(lean).replace(str(tmp_path / "lean"), "TMP"))
    ftl2 = json.loads(json.dumps(ftl2).replace(str(tmp_path / "ftl2"), "TMP"))
    assert lean == ftl2
    assert lean_code == ftl2_code == 0
    assert lean[3] == ["FTLModuleResult", {"result": {"async": True, "args": {"n": 1}}}]
    assert lean[6][0] == "InfoResult" and lean[7][0] == "ModuleNotFound"
    assert (lean_home / ".ftl" / "gate.log").exists()  # FTL2's gate took over, and logs as it does


@pytest.mark.parametrize(
    "first",
    [
        ("Hello", {}),  # no multiplexing: FTL2's serial loop
        ("Hello", {"capabilities": ["multiplex"], "policy_rules": [{"decision": "deny", "match": {"module": "command"}}]}),
        ("Info", {}),
    ],
)
def test_a_conversation_that_does_not_start_with_a_plain_multiplexed_hello_is_ftl2s_from_the_start(tmp_path, built_gate, first):
    steps = [[first], [("Hello", {})], [("Shutdown", {})]]
    lean, lean_code, lean_home = _run(tmp_path / "lean", built_gate, True, steps)
    ftl2, ftl2_code, _ = _run(tmp_path / "ftl2", built_gate, False, steps)
    assert json.loads(json.dumps(lean).replace("/lean/", "/ftl2/")) == ftl2 and lean_code == ftl2_code
    assert (lean_home / ".ftl" / "gate.log").exists()


@pytest.mark.parametrize("garbage", [b"0000000b[not json!]", b"0000000c[not json!]", b"zzzzzzzz[]", b"00000002{}", b"00000014", b" 0000"])
def test_an_unreadable_message_gets_ftl2s_own_answer(tmp_path, built_gate, garbage):
    async def send(own_loop: bool) -> tuple[bytes, int]:
        home, gate_file = _home(tmp_path / ("lean" if own_loop else "ftl2"), built_gate)
        environment = dict(os.environ, HOME=str(home))
        process = await asyncio.create_subprocess_shell(
            start_command(gate_file, PYTHON, own_loop=own_loop),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=environment,
        )
        hello = json.dumps(["Hello", {"capabilities": ["multiplex"]}]).encode()
        out, _ = await asyncio.wait_for(process.communicate(b"%08x%s%s" % (len(hello), hello, garbage)), 60)
        return out, process.returncode or 0

    lean_out, lean_code = asyncio.run(send(True))
    ftl2_out, ftl2_code = asyncio.run(send(False))
    lean, ftl2 = _messages(lean_out), _messages(ftl2_out)
    assert [kind for kind, _ in lean] == [kind for kind, _ in ftl2] == ["Hello", "GateSystemError"]
    assert lean[1][1]["message"].replace("/lean/", "/ftl2/") == ftl2[1][1]["message"]
    # The message's words (FTL2's own traceback names its frames; the lean loop's only the error).
    assert lean[1][1]["traceback"].splitlines()[-1].split(": ", 1)[1] == ftl2[1][1]["traceback"].splitlines()[-1].split(": ", 1)[1]
    assert lean_code == ftl2_code == 1


def _messages(out: bytes) -> list[Any]:
    messages = []
    while out:
        length = int(out[:8], 16)
        messages.append(json.loads(out[8 : 8 + length]))
        out = out[8 + length :]
    return messages


def test_a_keepalive_is_answered_while_a_module_runs(tmp_path, built_gate):
    """FTL2's client gives up on a gate whose keepalive Hello goes unanswered for 60 s; FTL2's own
    gate answers nothing while a plain module function runs (a remote command over ~90 s failed)."""

    async def order(own_loop: bool) -> list[str]:
        from ftl2.message import GateProtocol

        home, gate_file = _home(tmp_path / ("lean" if own_loop else "ftl2"), built_gate)
        protocol = GateProtocol()
        process = await asyncio.create_subprocess_shell(
            start_command(gate_file, PYTHON, own_loop=own_loop),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=dict(os.environ, HOME=str(home)),
        )
        assert process.stdin is not None and process.stdout is not None
        await protocol.send_message(process.stdin, "Hello", {"capabilities": ["multiplex"]})
        await protocol.read_message(process.stdout)
        flag = tmp_path / ("lean" if own_loop else "ftl2") / "keepalive-answered"
        # The command waits (10 s at most) for a file this test writes only once the keepalive is answered.
        wait = f"i=0; while [ ! -e {flag} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; echo waited $i"
        command = {"module_name": "shell", "module": _ftl_source("command"), "module_args": {"cmd": wait}}
        await protocol.send_message_with_id(process.stdin, "FTLModule", command, 2)
        await asyncio.sleep(0.5)
        await protocol.send_message_with_id(process.stdin, "Hello", {}, 3)
        seen = []
        for _ in range(2):
            answer = await asyncio.wait_for(protocol.read_message(process.stdout), 60)
            assert answer is not None
            seen.append(answer[0])
            if answer[0] == "Hello":
                flag.touch()
            else:
                assert answer[1]["result"]["rc"] == 0
        await protocol.send_message_with_id(process.stdin, "Shutdown", {}, 4)
        assert (await protocol.read_message(process.stdout))[0] == "Goodbye"
        assert await asyncio.wait_for(process.wait(), 60) == 0
        return seen

    assert asyncio.run(order(True)) == ["Hello", "FTLModuleResult"]
    assert asyncio.run(order(False)) == ["FTLModuleResult", "Hello"]  # FTL2's gate: the keepalive waited


def _source(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


_METHOD = _source("class Module:\n    def main(self, args):\n        return {'got': args}\n\nmain = Module().main\n")
_SIGNAL = _source("import signal\n\ndef main(args):\n    signal.signal(signal.SIGUSR1, signal.SIG_IGN)\n    return 'ok'\n")
_EXITS = _source("import sys\nsys.exit(3)\n")


async def _everything(home: Path, gate_file: str, own_loop: bool, messages: list[tuple[str, Any]]) -> tuple[list[Any], int]:
    """Every message sent at once (the first without an id), then the end of input; every answer until the gate ends."""
    from ftl2.message import GateProtocol

    protocol = GateProtocol()
    environment = dict(os.environ, HOME=str(home))
    process = await asyncio.create_subprocess_shell(
        start_command(gate_file, PYTHON, own_loop=own_loop), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=environment
    )
    assert process.stdin is not None and process.stdout is not None
    for number, (kind, data) in enumerate(messages, 1):
        if number == 1:
            await protocol.send_message(process.stdin, kind, data)
        else:
            await protocol.send_message_with_id(process.stdin, kind, data, number)
    process.stdin.close()
    answers = []
    while (answer := await asyncio.wait_for(protocol.read_message(process.stdout), 60)) is not None:
        answers.append(_comparable([answer[0], answer[1]]))
    return answers, await asyncio.wait_for(process.wait(), 60)


_MULTIPLEX = ("Hello", {"capabilities": ["multiplex"]})


@pytest.mark.parametrize(
    "messages",
    [
        [_MULTIPLEX, ("FTLModule", {"module_name": "method", "module": _METHOD, "module_args": {"x": 1}})],
        [_MULTIPLEX, ("FTLModule", {"module_name": "signals", "module": _SIGNAL, "module_args": {}})],
        [
            _MULTIPLEX,
            ("FTLModule", {"module_name": "command", "module": "COMMAND", "module_args": {"cmd": "sleep 1; echo slept"}}),
            ("FTLModule", {"module_name": "exits", "module": _EXITS, "module_args": {}}),
            ("FTLModule", {"module_name": "command", "module": "COMMAND", "module_args": {"cmd": "echo never"}}),
        ],
        [("Hello", {"capabilities": 5})],
        [_MULTIPLEX, ("Hello", {"capabilities": ["multiplex"]}), ("X" * 10, {})],
    ],
    ids=["a-bound-method", "a-signal-handler", "a-module-ending-the-gate", "capabilities-not-a-list", "an-unknown-message"],
)
def test_unusual_modules_and_messages_are_answered_as_ftl2s_gate_answers_them(tmp_path, built_gate, messages):
    command = _ftl_source("command")
    messages = [(kind, dict(data, module=command) if data.get("module") == "COMMAND" else data) for kind, data in messages]
    lean_home, gate_file = _home(tmp_path / "lean", built_gate)
    ftl2_home, _ = _home(tmp_path / "ftl2", built_gate)
    lean = asyncio.run(_everything(lean_home, gate_file, True, messages))
    ftl2 = asyncio.run(_everything(ftl2_home, gate_file, False, messages))
    assert json.loads(json.dumps(lean).replace("/lean/", "/ftl2/")) == json.loads(json.dumps(ftl2))
    assert len(lean[0]) >= 1


def test_a_first_contact_installs_the_library_without_ftl2s_gate(tmp_path, built_gate):
    """A target without the library: the forked runner says so, then installs it from the same request with it."""
    home = tmp_path / "home"
    (home / ".ftl").mkdir(parents=True)
    shutil.copy(built_gate, home / ".ftl" / built_gate.name)
    ask = _forked("stat", {"path": PYTHON})
    with_library = dict(ask, module_args=dict(ask["module_args"], library=base64.b64encode(remote_modules.bundle_bytes("stat")).decode()))
    answers, code = asyncio.run(
        _everything(home, f".ftl/{built_gate.name}", True, [_MULTIPLEX, ("FTLModule", ask), ("FTLModule", with_library)])
    )
    assert code == 0 and answers[1] == ["FTLModuleResult", {"result": {"missing": True}}]
    assert answers[2][1]["result"]["stdout"][remote_modules.ENVELOPE]["stat"]["exists"] is True
    assert (home / ".ftl" / f"ftl2_runner_ansible_{remote_modules.library_digest()}" / "ftl2_runner_entry.py").is_file()
    assert not (home / ".ftl" / "gate.log").exists()  # answered by the lean loop throughout
