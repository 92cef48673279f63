"""The console script starts the warm executor only for worker command lines that may run a job (unit tier)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ftl2_runner.processes.warm_start import may_run_a_job

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["worker"], True),
        (["worker", "--private-data-dir=/runner"], True),
        (["worker", "--private-data-dir", "/runner", "--delete", "--keepalive-seconds", "5"], True),
        (["worker", "--worker-info"], False),
        (["worker", "cleanup", "--file-pattern", "/tmp/x"], False),
        (["worker", "--help"], False),
        (["worker", "-h"], False),
        (["worker", "--version"], False),
        (["transmit", "/runner", "-p", "site.yml"], False),
        (["process", "/out"], False),
        (["run", "/runner"], False),
        ([], False),
    ],
)
def test_which_command_lines_get_a_warm_executor(argv, expected):
    assert may_run_a_job(argv) is expected


def test_the_console_module_imports_neither_the_cli_nor_ansible_runner():
    """What runs before the spawn stays small: importing console.py and warm_executor.py pulls in no CLI."""
    code = (
        "import sys\nimport ftl2_runner.console, ftl2_runner.processes.warm_executor\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ftl2_runner', 'ansible_runner', 'argparse', 'ptyprocess', 'ftl2')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    expected = ["ftl2_runner", "ftl2_runner.console", "ftl2_runner.old_paths", "ftl2_runner.processes"]
    assert out.strip() == str([*expected, "ftl2_runner.processes.warm_executor", "ftl2_runner.processes.warm_start"])
