"""Small things a new user notices first: a quiet `uv run`, clean examples, readable test runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streams import BIN_DIR, FTL2_RUNNER, make_data_dir, transmit, worker_env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH (the README's commands need it)")
def test_uv_run_prints_only_the_commands_output():
    """No `Bytecode compiled N files` (or anything else from uv) before every command."""
    from ftl2_runner import __version__

    done = subprocess.run(
        ["uv", "run", "--extra", "dev", "ftl2-runner", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    assert (done.stdout, done.stderr) == (f"{__version__}\n", "")


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a git checkout to ask what it ignores"
)
def test_process_leaves_daemon_log_which_git_ignores_in_examples(tmp_path):
    pdd = make_data_dir(tmp_path, "async def run(i, e, r):\n    return 0\n")
    worker = subprocess.run(
        [FTL2_RUNNER, "worker"], input=transmit(pdd, "-p", "job.py"), capture_output=True, timeout=120, env=worker_env()
    )
    dest = tmp_path / "controller"
    dest.mkdir()
    subprocess.run([FTL2_RUNNER, "process", str(dest)], input=worker.stdout, capture_output=True, timeout=120, check=True)
    assert (dest / "daemon.log").exists()  # the name upstream's processor uses
    for example in sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir()):
        rel = (example / "daemon.log").relative_to(ROOT)
        assert subprocess.run(["git", "check-ignore", "-q", str(rel)], cwd=ROOT).returncode == 0, rel


def test_ftl2_playbook_ends_with_the_recap_and_one_blank_line(tmp_path):
    """ansible-playbook's default callback ends with the recap and one empty line; no more."""
    pdd = make_data_dir(
        tmp_path,
        """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.ping()
        print("the script's last words")
        return 0
    """,
    )
    done = subprocess.run(
        [str(BIN_DIR / "ftl2-playbook"), "-i", str(pdd / "inventory" / "hosts"), "job.py"],
        cwd=pdd / "project",
        capture_output=True,
        text=True,
        timeout=120,
        env=worker_env(),
    )
    assert done.returncode == 0
    assert done.stdout.endswith(
        "the script's last words\n\nPLAY RECAP " + "*" * 69 + "\n"
        "localhost                  : ok=1    changed=0    unreachable=0    failed=0    "
        "skipped=0    rescued=0    ignored=0   \n\n"
    )


def test_skipped_tests_say_why_by_default(tmp_path):
    """The project's pytest settings show each skip's reason without `-rs` on the command line."""
    test_file = tmp_path / "test_sample.py"
    test_file.write_text("import pytest\n\n@pytest.mark.skip(reason='needs a unicorn')\ndef test_x():\n    pass\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "-p", "no:cacheprovider", str(test_file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout
    assert "SKIPPED [1] test_sample.py:3: needs a unicorn" in done.stdout
