"""The gate's start command and the forked module runner, run for real on this machine (no sshd needed).

The SSH side (one channel per host, upload when missing, results identical to ansible-runner's) is
tests/test_ssh.py, tests/test_remote_first_contact.py and the compat suite's remote cases.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ftl2_runner.executor.ftl2 import forked_modules, remote_modules
from ftl2_runner.executor.ftl2.gate_connection import GATE_MISSING, start_command

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def _gate(path: Path) -> None:
    """A stand-in zipapp: its main prints where it runs from and what it was called as."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("__main__.py", "import json, sys\nimport helper\nprint(json.dumps([__file__, sys.argv, helper.NAME]))\n")
        archive.writestr("helper.py", "NAME = 'helper from the gate'\n")
    path.write_bytes(buffer.getvalue())


def _start(home: Path, gate_file: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, HOME=str(home), **env)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run(start_command(gate_file, PYTHON), shell=True, capture_output=True, text=True, env=environment, timeout=60)


def test_the_start_command_says_a_missing_gate_is_missing(tmp_path):
    done = _start(tmp_path, ".ftl/ftl_gate_abc.pyz")
    assert done.returncode == GATE_MISSING and done.stdout == ""


def test_the_gate_runs_from_the_directory_it_is_unpacked_into_once(tmp_path):
    (tmp_path / ".ftl").mkdir()
    gate = tmp_path / ".ftl" / "ftl_gate_abc.pyz"
    _gate(gate)
    first = _start(tmp_path, ".ftl/ftl_gate_abc.pyz")
    assert first.returncode == 0, first.stderr
    main, argv, helper = json.loads(first.stdout)
    unpacked = tmp_path / ".ftl" / "ftl2_runner_gate_abc"
    assert main == str(unpacked / "ftl2_runner_gate_main.py")
    assert argv == [str(gate)]  # as `python gate.pyz`: FTL2's gate hashes sys.argv[0]
    assert helper == "helper from the gate"
    second = _start(tmp_path, ".ftl/ftl_gate_abc.pyz")
    assert json.loads(second.stdout)[0] == main
    assert list((unpacked / "__pycache__").glob("ftl2_runner_gate_main.*.pyc"))  # the bytecode the next start reuses
    assert not [p for p in (tmp_path / ".ftl").iterdir() if p.name.endswith(".tmp")]


def test_a_gate_that_cannot_be_unpacked_runs_as_a_zipapp(tmp_path):
    (tmp_path / ".ftl").mkdir()
    _gate(tmp_path / ".ftl" / "ftl_gate_abc.pyz")
    (tmp_path / ".ftl" / "ftl2_runner_gate_abc").write_text("a file where the directory would go")
    done = _start(tmp_path, ".ftl/ftl_gate_abc.pyz")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0].endswith("ftl_gate_abc.pyz/__main__.py")


_FTL2_SHAPED_MAIN = """from __future__ import annotations
import atexit, json, sys

async def main(args):
    source = b"def f(x: not_defined_anywhere): pass\\nnames = f.__annotations__"
    first, second = compile(source, "module", "exec"), compile(source, "module", "exec")
    namespace = {}
    exec(first, namespace)  # postponed annotations, inherited from this module as FTL2's gate compiles
    atexit.register(print, "atexit ran")
    print(json.dumps([__name__, sys.argv, args, first is second, namespace["names"]]))
    return 3

if __name__ == "__main__":
    raise SystemExit("the start command runs main() itself")
"""


def test_ftl2s_gate_main_is_imported_and_its_main_run_compiling_each_module_once(tmp_path):
    (tmp_path / ".ftl").mkdir()
    gate = tmp_path / ".ftl" / "ftl_gate_abc.pyz"
    with zipfile.ZipFile(gate, "w") as archive:
        archive.writestr("__main__.py", _FTL2_SHAPED_MAIN)
    done = _start(tmp_path, ".ftl/ftl_gate_abc.pyz")
    line, atexit_line = done.stdout.splitlines()
    assert json.loads(line) == ["ftl2_runner_gate_main", [str(gate)], [], True, {"x": "not_defined_anywhere"}], done.stderr
    assert atexit_line == "atexit ran" and done.returncode == 3  # left as the interpreter would: atexit, flush, status


_DRIVER = """
import asyncio, json, sys
namespace = {}
exec(compile(open(sys.argv[1]).read(), "ftl2_runner_forked", "exec"), namespace)  # as FTL2's gate runs an FTLModule
print(json.dumps(asyncio.run(namespace["main"](json.loads(sys.argv[2])))))
"""


def _forked(tmp_path: Path, args: dict) -> dict:
    """``forked_modules.RUNNER``'s answer in a fresh interpreter standing in for the gate (HOME is the target's)."""
    source = tmp_path / "runner.py"
    source.write_text(forked_modules.RUNNER)
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(source), json.dumps(args)],
        capture_output=True,
        text=True,
        env=dict(os.environ, HOME=str(tmp_path)),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_forked_runner_runs_ansibles_module_from_the_library_the_target_keeps(tmp_path):
    args = {"name": "stat", "module_args": {"path": str(tmp_path)}, "digest": remote_modules.library_digest()}
    assert _forked(tmp_path, args) == {"missing": True}
    # The whole library installs itself (as the gate runs a zip bundle) and runs the module once.
    bundle = tmp_path / "library.zip"
    bundle.write_bytes(remote_modules.bundle_bytes("stat"))
    installed = subprocess.run(
        [sys.executable, str(bundle)],
        input=json.dumps({"ANSIBLE_MODULE_ARGS": {"path": str(tmp_path)}}).encode(),
        capture_output=True,
        env=dict(os.environ, HOME=str(tmp_path)),
    )
    envelope = remote_modules.ENVELOPE  # the result under one key: the gate would mistake its `stdout` for its own
    assert json.loads(installed.stdout)[envelope]["stat"]["isdir"] is True, installed.stderr
    result = _forked(tmp_path, args)  # now forked from the stand-in gate
    stat = remote_modules.module_result(result)["stat"]
    assert result["rc"] == 0 and stat["isdir"] is True and stat["path"] == str(tmp_path)
    assert json.loads(result["stdout"])[envelope]["stat"]["exists"] is True  # the gate's Module answer: stdout, stderr, rc, merged
    failing = _forked(tmp_path, dict(args, module_args={"path": str(tmp_path), "no_such_option": 1}))
    assert failing["rc"] == 1
    assert remote_modules.module_result(failing)["failed"] is True and "no_such_option" in remote_modules.module_result(failing)["msg"]


@pytest.mark.parametrize("name", ["file", "copy", "slurp", "setup", "lineinfile", "ftl2_runner_script"])
def test_every_module_ftl2_runner_runs_itself_is_in_the_library(name):
    names = {path for path, _ in remote_modules._library()}
    assert f"ansible/modules/{name}.py" in names and "ftl2_runner_entry.py" in names
