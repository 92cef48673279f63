"""First contact with a remote host from the installs operators really have.

A worker installed with uv has no pip in its venv, and a service or container often has
no ``uv`` on PATH either: FTL2's gate build must still work when a uv exists off PATH, and
otherwise the task says in one line what to install. A target whose sshd lacks the SFTP
subsystem (FTL2 uploads its gate over SFTP) gets an error that says so. Python
``ResourceWarning``s left by FTL2/asyncssh after such failures are never job warnings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sshd
from streams import FTL2_RUNNER, make_data_dir, pipeline, worker_env

pytestmark = pytest.mark.skipif(sshd.SSHD is None, reason="openssh-server is not installed (.ci/run installs it)")

PING = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.remotes.command(cmd="echo first contact")
    return 0
"""


def _real_uv() -> str | None:
    return shutil.which("uv") or os.environ.get("UV")


def _no_uv_env(home: Path, **extra: str) -> dict[str, str]:
    """PATH without any uv, no $UV, an empty HOME (no gate cache, no ~/.local/bin/uv), no prebuilt gates."""
    env = worker_env(HOME=str(home), FTL2_RUNNER_GATE_DIR=str(home / "no-prebuilt-gates"), **extra)
    env.pop("UV", None)
    dirs = [p for p in env["PATH"].split(os.pathsep) if p]
    hidden = [p for p in dirs if os.path.exists(os.path.join(p, "uv"))]
    if any(os.path.realpath(p) in ("/bin", "/usr/bin") for p in hidden):
        pytest.skip(f"uv is installed in a system directory ({', '.join(hidden)}); it cannot be hidden from PATH")
    env["PATH"] = os.pathsep.join(p for p in dirs if p not in hidden)
    return env


def _inventory(port: int, key: Path) -> str:
    return (
        f"[remotes]\nr1 ansible_host=127.0.0.1 ansible_port={port} ansible_user=root "
        f"ansible_python_interpreter=/usr/bin/python3 ansible_ssh_private_key_file={key}\n"
    )


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    root = tmp_path_factory.mktemp("first-contact")
    key = sshd.keygen(root / "client_key")
    with_sftp = sshd.start_servers(root / "sftp", 1, key)
    without_sftp = sshd.start_servers(root / "nosftp", 1, key, sftp=False)
    yield {"key": key, "sftp": with_sftp[0].port, "nosftp": without_sftp[0].port}
    for server in with_sftp + without_sftp:
        server.stop()


def test_the_test_venv_really_has_no_pip():
    """The premise of the tests below: ftl2-runner's own venv (made by uv) cannot `import pip`."""
    from streams import BIN_DIR

    done = subprocess.run([str(BIN_DIR / "python"), "-c", "import pip"], capture_output=True)
    assert done.returncode != 0


def test_no_uv_and_no_pip_fails_the_task_with_one_line_naming_the_fix(servers, tmp_path):
    pdd = make_data_dir(tmp_path, PING, inventory=_inventory(servers["sftp"], servers["key"]))
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=_no_uv_env(tmp_path / "home"))
    assert processed.status == "failed"
    failed = [e for e in run.events if e["event"] == "runner_on_failed"]
    assert len(failed) == 1, run.text()
    msg = failed[0]["event_data"]["res"]["msg"]
    assert "\n" not in msg and "needs uv or pip" in msg and "put uv on PATH" in msg, msg
    assert "Traceback" not in run.text() and "ResourceWarning" not in run.text()
    # pip's own complaint is part of the error, not a stray line of the job output before it.
    assert "No module named pip" not in run.text(), run.text()


def test_uv_off_path_is_found_and_the_gate_builds(servers, tmp_path):
    uv = _real_uv()
    if uv is None:
        pytest.skip("no uv binary on this machine to place in ~/.local/bin (the CI installs one)")
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    os.symlink(os.path.realpath(uv), home / ".local" / "bin" / "uv")  # where uv's own installer puts it
    pdd = make_data_dir(tmp_path, PING, inventory=_inventory(servers["sftp"], servers["key"]))
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=_no_uv_env(home))
    assert processed.status == "successful", run.text()
    assert [e["event_data"]["res"]["stdout"] for e in run.events if e["event"] == "runner_on_ok"] == ["first contact"]
    # The gate was built at run time (empty HOME): uv's installer lines are not job output.
    assert [e["stdout"] for e in run.events if e["event"] == "verbose"] == [], run.text()


def test_installer_lines_are_shown_from_vvv(servers, tmp_path):
    """As FTL2's own connection chatter: the installer's lines are verbose output from -vvv on."""
    if _real_uv() is None:
        pytest.skip("no uv binary on this machine (the CI installs one)")
    pdd = make_data_dir(tmp_path, PING, inventory=_inventory(servers["sftp"], servers["key"]), env_files={"cmdline": "-vvv"})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=worker_env(HOME=str(tmp_path / "home")))
    assert processed.status == "successful", run.text()
    assert "gate dependencies installed:" in run.text() and "inotify-simple" in run.text()


def test_gate_build_command_without_an_installer_is_one_line(tmp_path):
    done = subprocess.run(
        [FTL2_RUNNER, "gate", "build", "--output-dir", str(tmp_path / "gates")],
        capture_output=True,
        text=True,
        timeout=120,
        env=_no_uv_env(tmp_path / "home"),
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs uv or pip" in lines[0], done.stderr


def test_host_without_sftp_says_sftp_is_needed(servers, tmp_path):
    # A gate already on the target needs no SFTP (ftl2/gate_connection.py): an interpreter path of this
    # test alone gives a gate hash no target has yet, so the gate must be uploaded.
    python = tmp_path / "python3"
    python.symlink_to("/usr/bin/python3")
    inventory = _inventory(servers["nosftp"], servers["key"]).replace("=/usr/bin/python3", f"={python}")
    pdd = make_data_dir(tmp_path, PING, inventory=inventory)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=worker_env(HOME=str(tmp_path / "home")))
    assert processed.status == "failed"
    results = [e for e in run.events if e["event"] in ("runner_on_failed", "runner_on_unreachable")]
    assert len(results) == 1, run.text()
    msg = results[0]["event_data"]["res"]["msg"]
    assert "SFTP" in msg and "Subsystem sftp" in msg, msg
    assert "no SFTP subsystem" in run.text()
    assert not [e for e in run.events if e["event"] == "warning"], run.text()  # no ResourceWarning noise
    assert "ResourceWarning" not in run.text()


LEAKY = """
import gc, socket
async def run(inventory_path, extravars, runner):
    leaked = socket.socket()
    del leaked
    gc.collect()
    runner.warning("a real warning")
    return 0
"""


@pytest.mark.parametrize("verbosity", [0, 4])
def test_resource_warnings_are_debug_output_never_job_warnings(tmp_path, verbosity):
    pdd = make_data_dir(tmp_path, LEAKY)
    args = ("-p", "job.py") + (("-" + "v" * verbosity,) if verbosity else ())
    run, processed = pipeline(pdd, tmp_path, *args)
    assert processed.status == "successful", run.text()
    warnings = [e["stdout"] for e in run.events if e["event"] == "warning" or "[WARNING]" in e["stdout"]]
    assert len(warnings) == 1 and "a real warning" in warnings[0]
    resource = [e for e in run.events if "ResourceWarning" in e["stdout"]]
    if verbosity >= 4:
        assert len(resource) == 1 and resource[0]["event"] == "verbose"  # kept for debugging at -vvvv
    else:
        assert resource == []


def test_gate_build_command_finds_uv_off_path(tmp_path):
    uv = _real_uv()
    if uv is None:
        pytest.skip("no uv binary on this machine to place in ~/.local/bin (the CI installs one)")
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    os.symlink(os.path.realpath(uv), home / ".local" / "bin" / "uv")
    gates = tmp_path / "gates"
    done = subprocess.run(
        [FTL2_RUNNER, "gate", "build", "--output-dir", str(gates)], capture_output=True, text=True, timeout=300, env=_no_uv_env(home)
    )
    assert done.returncode == 0, done.stderr
    assert len(list(gates.glob("ftl_gate_*.pyz"))) == 2


HOSTS_ALL = """hosts: all

async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.ping()
        await ftl.command(cmd="echo untargeted")
        await ftl.file(path=extravars["dest"] + "/touched", state="touch")
    return 0
"""


def test_hosts_all_script_reaches_remote_hosts(servers, tmp_path):
    """The AWX-listed form (`hosts: all`) on an AWX-like inventory of remote hosts: untargeted calls go there."""
    import json

    dest = tmp_path / "dest"
    dest.mkdir()
    pdd = make_data_dir(
        tmp_path,
        HOSTS_ALL,
        name="site.yml",
        inventory=_inventory(servers["sftp"], servers["key"]),
        env_files={"extravars": json.dumps({"dest": str(dest)})},
    )
    run, processed = pipeline(pdd, tmp_path, "-p", "site.yml", env=worker_env(HOME=str(tmp_path / "home")))
    assert processed.status == "successful", run.text()
    oks = [(e["event_data"]["task"], e["event_data"]["host"]) for e in run.events if e["event"] == "runner_on_ok"]
    assert oks == [("ping", "r1"), ("command", "r1"), ("file", "r1")]
    assert "PLAY [all]" in run.text() and (dest / "touched").exists()
    assert not [e for e in run.events if e["event"] == "warning"], run.text()
