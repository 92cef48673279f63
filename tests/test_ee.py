"""Builds the execution environment from ee/ with ansible-builder and podman, and runs jobs in it.

Opt-in (``pytest -m ee``; ``.ci/run`` runs it after the main suite): it needs podman, debootstrap
and a few minutes. No registry is reachable here, so the base image is a Debian trixie rootfs made
with debootstrap and imported into podman (cached between runs), passed as ``EE_BASE_IMAGE``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sshd
from streams import FTL2_RUNNER, make_data_dir, parse_stream, process

pytestmark = [pytest.mark.ee, pytest.mark.timeout(3600)]

ROOT = Path(__file__).resolve().parent.parent
BASE_IMAGE = "localhost/ftl2-runner-base:trixie"
EE_IMAGE = "localhost/ftl2-runner-ee:test"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
"""


def _run(argv, **kwargs):
    kwargs.setdefault("check", True)
    kwargs.setdefault("timeout", 1800)
    return subprocess.run(argv, **kwargs)


@pytest.fixture(scope="session")
def podman_env(tmp_path_factory):
    if shutil.which("podman") is None or shutil.which("debootstrap") is None:
        pytest.skip("podman/debootstrap not installed (.ci/run installs them before running `pytest -m ee`)")
    conf = tmp_path_factory.mktemp("podman") / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    env = dict(os.environ, CONTAINERS_CONF=str(conf))
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture(scope="session")
def base_image(podman_env):
    """A Debian trixie base (Python 3.13), built once with debootstrap and kept in podman's storage."""
    if _run(["podman", "image", "exists", BASE_IMAGE], env=podman_env, check=False).returncode == 0:
        return BASE_IMAGE
    rootfs = ROOT / ".cache" / "ee-rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    rootfs.parent.mkdir(parents=True, exist_ok=True)
    _run(
        [
            "debootstrap",
            "--variant=minbase",
            "--include=python3,python3-venv,python3-pip,ca-certificates",
            "trixie",
            str(rootfs),
            "http://deb.debian.org/debian",
        ],
        capture_output=True,
    )
    for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (rootfs / junk).glob("*"):
            if entry.is_file():
                entry.unlink()
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    _run(["podman", "import", "-", BASE_IMAGE], stdin=tar.stdout, env=podman_env, capture_output=True)
    tar.wait()
    shutil.rmtree(rootfs, ignore_errors=True)
    return BASE_IMAGE


@pytest.fixture(scope="session")
def ee_image(base_image, podman_env, tmp_path_factory):
    work = tmp_path_factory.mktemp("ee-build")
    shutil.copytree(ROOT / "ee", work / "ee")
    files = work / "ee" / "files"
    # ee/README.md's build steps: the wheel, uv.lock's versions as constraints, the reference pins.
    _run(["uv", "build", "--wheel", "--out-dir", str(files / "wheels"), str(ROOT)], capture_output=True, env=podman_env)
    export = ["uv", "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "-o", str(files / "constraints.txt")]
    _run(export, capture_output=True, env=podman_env, cwd=ROOT)
    shutil.copy(ROOT / "compat" / "reference-requirements.txt", files / "reference-requirements.txt")
    build = _run(
        [
            "uv",
            "tool",
            "run",
            "--from",
            "ansible-builder==3.2.0",
            "ansible-builder",
            "build",
            "-f",
            str(work / "ee" / "execution-environment.yml"),
            "-c",
            str(work / "context"),
            "-t",
            EE_IMAGE,
            "--container-runtime",
            "podman",
            "--build-arg",
            f"EE_BASE_IMAGE={base_image}",
            f"--extra-build-cli-args=-v {CA_BUNDLE}:{CA_BUNDLE}:ro",
        ],
        capture_output=True,
        text=True,
        env=podman_env,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    return EE_IMAGE


def _podman(env, *args, stdin=None, timeout=600):
    return subprocess.run(["podman", "run", "--rm", "-i", *args], input=stdin, capture_output=True, env=env, timeout=timeout)


def _no_warnings(events):
    """A job in the EE starts clean: no `[WARNING]` (a dependency's deprecation, asyncssh's) in its output."""
    warnings = [e["stdout"] for e in events if "WARNING" in e.get("stdout", "") or "Warning" in e.get("stdout", "")]
    assert warnings == []


def _installed(env, image, venv):
    done = _podman(env, image, f"/opt/{venv}/bin/python", "-m", "pip", "freeze", "--all")
    assert done.returncode == 0, done.stderr.decode()
    return dict(line.lower().split("==", 1) for line in done.stdout.decode().splitlines() if "==" in line)


def test_the_image_holds_the_tested_versions(ee_image, podman_env):
    """ftl2-runner's venv has uv.lock's versions, /opt/ansible exactly compat's reference pins."""
    import tomllib

    from compat.reference import pinned_versions

    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {package["name"]: package["version"] for package in lock["package"]}
    ours = _installed(podman_env, ee_image, "ftl2-runner")
    for name in ("ftl2", "ansible-runner", "cryptography", "asyncssh", "pyyaml", "jinja2", "pexpect"):
        assert ours[name] == locked[name], name
    ansible = _installed(podman_env, ee_image, "ansible")
    assert {k: v for k, v in ansible.items() if k not in ("pip", "setuptools")} == pinned_versions()


def test_ansible_runner_in_the_image_is_ftl2_runner(ee_image, podman_env):
    from ftl2_runner import __version__

    version = _podman(podman_env, ee_image, "ansible-runner", "--version")
    assert version.returncode == 0 and version.stdout.decode().strip() == __version__
    info = _podman(podman_env, ee_image, "ansible-runner", "worker", "--worker-info")
    import yaml

    assert yaml.safe_load(info.stdout)["runner_version"] == __version__
    playbook = _podman(podman_env, ee_image, "ansible-playbook", "--version")
    assert b"core 2.21.5" in playbook.stdout  # ansible-core is there, in its own venv


def test_round_trip_through_the_container(ee_image, podman_env, tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.command(cmd="echo inside the EE")
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    stream = subprocess.run([FTL2_RUNNER, "transmit", str(pdd), "-p", "job.py", "-i", "ee1"], capture_output=True, check=True).stdout
    done = _podman(podman_env, ee_image, "ansible-runner", "worker", "--private-data-dir=/runner", stdin=stream)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    result = process(done.stdout, tmp_path / "out", "ee1")
    assert result.status == "successful"
    oks = [e for e in result.events if e["event"] == "runner_on_ok"]
    assert oks[0]["event_data"]["res"]["stdout"] == "inside the EE"
    _no_warnings(result.events)


def test_baked_script_runs_when_the_job_names_none(ee_image, podman_env, tmp_path):
    import ansible_runner

    pdd = make_data_dir(tmp_path, None)
    buffer = io.BytesIO()
    buffer.name = "transmit"
    ansible_runner.run(streamer="transmit", _output=buffer, private_data_dir=str(pdd), ident="baked")
    done = _podman(podman_env, ee_image, "ansible-runner", "worker", "--private-data-dir=/runner", stdin=buffer.getvalue())
    lines = parse_stream(done.stdout)
    assert [line["status"] for line in lines if "status" in line][-1] == "successful", done.stdout[-3000:]
    events = [line for line in lines if "event" in line]
    assert events[0]["event_data"]["playbook"] == "/opt/ftl2/main.py"
    assert any(e["event"] == "runner_on_ok" and e["event_data"]["task"] == "kernel" for e in events)
    _no_warnings(events)


@pytest.mark.skipif(sshd.SSHD is None, reason="openssh-server is not installed")
def test_remote_job_in_the_container_needs_no_package_index(ee_image, podman_env, tmp_path):
    import ansible_runner

    key = sshd.keygen(tmp_path / "key")
    servers = sshd.start_servers(tmp_path / "sshd", 1, key)
    try:
        script = """
        async def run(inventory_path, extravars, runner):
            async with runner.automation() as ftl:
                await ftl.remote.command(cmd="echo from the gate")
            return 0
        """
        inventory = (
            f"[remote]\ntarget ansible_host=127.0.0.1 ansible_port={servers[0].port} ansible_user=root "
            "ansible_python_interpreter=/usr/bin/python3\n"
        )
        pdd = make_data_dir(tmp_path, script, inventory=inventory)
        buffer = io.BytesIO()
        buffer.name = "transmit"
        ansible_runner.run(
            streamer="transmit", _output=buffer, private_data_dir=str(pdd), playbook="job.py", ident="remote", ssh_key=key.read_text()
        )
        blackhole = f"http://127.0.0.1:{sshd.free_port()}/simple"
        offline = [
            "-e",
            f"PIP_INDEX_URL={blackhole}",
            "-e",
            "PIP_NO_INDEX=1",
            "-e",
            f"UV_INDEX_URL={blackhole}",
            "-e",
            f"UV_DEFAULT_INDEX={blackhole}",
            "-e",
            "UV_OFFLINE=1",
        ]
        done = _podman(
            podman_env,
            "--network=host",
            *offline,
            ee_image,
            "ansible-runner",
            "worker",
            "--private-data-dir=/runner",
            stdin=buffer.getvalue(),
        )
        lines = parse_stream(done.stdout)
        events = [line for line in lines if "event" in line]
        text = "\n".join(e.get("stdout", "") for e in events)
        assert [line["status"] for line in lines if "status" in line][-1] == "successful", text[-3000:]
        ok = next(e for e in events if e["event"] == "runner_on_ok")
        assert ok["event_data"]["res"]["stdout"] == "from the gate"
        _no_warnings(events)
    finally:
        for server in servers:
            server.stop()
