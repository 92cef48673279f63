"""Remote hosts over SSH: real sshd on 127.0.0.1, AWX-style credentials, unreachable hosts, offline gates."""

from __future__ import annotations

import io
import json
import subprocess
import textwrap
from pathlib import Path

import pytest
import sshd
from streams import FTL2_RUNNER, make_data_dir, pipeline, run_worker, worker_env

from compat.awx_jobs import AwxJob, Group, Inventory, MachineCredential, build_job

pytestmark = pytest.mark.skipif(sshd.SSHD is None, reason="openssh-server is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def ssh_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("ssh")
    client_key = sshd.keygen(root / "client_key")
    wrong_key = sshd.keygen(root / "wrong_key")
    servers = sshd.start_servers(root / "servers", 3, client_key)
    yield {"root": root, "key": client_key, "wrong_key": wrong_key, "ports": [s.port for s in servers]}
    for server in servers:
        server.stop()


def _inventory(ports, key=None, extra=""):
    lines = ["[remotes]"]
    for index, port in enumerate(ports):
        line = f"r{index + 1} ansible_host=127.0.0.1 ansible_port={port} ansible_user=root ansible_python_interpreter=/usr/bin/python3"
        if key:
            line += f" ansible_ssh_private_key_file={key}"
        lines.append(line)
    return "\n".join(lines) + "\n" + extra


MODULES = """
import os
async def run(inventory_path, extravars, runner):
    dest = extravars["dest"]
    async with runner.automation() as ftl:
        await ftl.remotes.ping()
        await ftl.remotes.command(cmd="echo hello from $(hostname)")
        await ftl.remotes.shell(cmd="echo shell on every host")
        await ftl.remotes.file(path=dest + "/touched", state="touch")  # the 3 hosts are one machine: no mkdir race
        if extravars.get("with_copy"):
            await ftl.remotes.copy(content="copied\\n", dest=dest + "/copied.txt")
    return 0
"""


def test_modules_on_three_ssh_hosts_with_inventory_key_file(ssh_env, tmp_path):
    dest = tmp_path / "remote-dest"
    dest.mkdir()
    pdd = make_data_dir(
        tmp_path, MODULES, inventory=_inventory(ssh_env["ports"], ssh_env["key"]), env_files={"extravars": json.dumps({"dest": str(dest)})}
    )
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    results = [
        (e["event_data"]["task"], e["event_data"]["host"], e["event"])
        for e in run.events
        if e["event"].startswith("runner_on_") and e["event"] != "runner_on_start"
    ]
    for task in ("ping", "command", "shell", "file"):
        assert sorted(h for t, h, ev in results if t == task and ev == "runner_on_ok") == ["r1", "r2", "r3"], task
    # FTL2's own group `shell` runs on one host with its own SSH connection; ours runs everywhere with the key.
    shell_hosts = [e for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["task"] == "shell"]
    assert all(e["event_data"]["res"]["stdout"] == "shell on every host" for e in shell_hosts)
    assert (dest / "touched").is_file()
    stats = run.events[-1]["event_data"]
    assert stats["ok"] == {"r1": 4, "r2": 4, "r3": 4} and stats["dark"] == {}


COPY_AND_TEMPLATE = """
import os
async def run(inventory_path, extravars, runner):
    def at(name):
        return lambda v: os.path.join(extravars["dest"], f"{v.inventory_hostname}-{name}")
    async with runner.automation() as ftl:
        with runner.task("copy"):
            await ftl.remotes.copy(content="copied\\n", dest=at("copied.txt"))
        with runner.task("copy again"):
            await ftl.remotes.copy(content="copied\\n", dest=at("copied.txt"))
        with runner.task("template source"):
            source = "".join("{{ '{{' }} %s {{ '}}' }} " % name for name in ("inventory_hostname", "ansible_port", "word"))
            await ftl.remotes.copy(content=source.rstrip() + "\\n", dest=at("t.j2"))
        with runner.task("template"):
            await ftl.remotes.template(src=at("t.j2"), dest=at("rendered"), word="hi")
    return 0
"""


def test_copy_and_template_with_a_key_file_run_through_the_gate(ssh_env, tmp_path):
    """Remote copy/template go through FTL2's gate (which honours the inventory's key file), as Ansible's actions."""
    import hashlib

    dest = tmp_path / "remote-dest"
    dest.mkdir()
    home = tmp_path / "home"
    pdd = make_data_dir(
        tmp_path,
        COPY_AND_TEMPLATE,
        inventory=_inventory(ssh_env["ports"][:2], ssh_env["key"]),
        env_files={"extravars": json.dumps({"dest": str(dest)})},
    )
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=worker_env(HOME=str(home)))
    assert processed.status == "successful", run.text()
    assert not [e for e in run.events if e["event"] == "warning"]
    res = {(e["event_data"]["task"], e["event_data"]["host"]): e["event_data"]["res"] for e in run.events if e["event"] == "runner_on_ok"}
    for host, port in zip(("r1", "r2"), ssh_env["ports"][:2], strict=True):
        copied = res[("copy", host)]
        assert copied["changed"] is True and copied["checksum"] == hashlib.sha1(b"copied\n").hexdigest()
        assert copied["mode"] == "0644" and copied["state"] == "file" and copied["size"] == 7
        assert res[("copy again", host)]["changed"] is False and res[("copy again", host)]["path"] == str(dest / f"{host}-copied.txt")
        # Rendered with the host's own variables and the call's keywords, as Ansible's template action does.
        assert (dest / f"{host}-rendered").read_text() == f"{host} {port} hi\n"
        assert res[("template", host)]["changed"] is True
    assert (dest / "r1-copied.txt").read_text() == "copied\n"
    leftovers = list((home / ".ansible" / "tmp").glob("ansible-local-*")) if (home / ".ansible" / "tmp").exists() else []
    assert leftovers == []  # the controller's temporary files are removed after each action


def test_awx_machine_credential_ssh_key(ssh_env, tmp_path):
    """The key arrives as AWX sends it (`ssh_key` kwarg → ssh-agent), not as a file in the inventory (compat/awx_jobs.py)."""
    import ansible_runner

    dest = tmp_path / "remote-dest"
    dest.mkdir()
    hosts = {
        f"r{index + 1}": {"ansible_host": "127.0.0.1", "ansible_port": port, "ansible_python_interpreter": "/usr/bin/python3"}
        for index, port in enumerate(ssh_env["ports"][:2])
    }
    job = AwxJob(
        project={"job.py": textwrap.dedent(MODULES)},
        playbook="job.py",
        inventory=Inventory(hosts=hosts, groups={"remotes": Group(hosts=list(hosts))}),
        extra_vars={"dest": str(dest), "with_copy": True},
        machine=MachineCredential(username="root", ssh_key_data=Path(ssh_env["key"]).read_text()),
    )
    built = build_job(job, tmp_path / "awx")
    buffer = io.BytesIO()
    buffer.name = "transmit"
    ansible_runner.run(streamer="transmit", _output=buffer, private_data_dir=str(built.private_data_dir), **built.kwargs)
    run = run_worker(buffer.getvalue(), tmp_path / "w", env=worker_env(HOME=str(tmp_path / "home")))
    assert run.final_status == "successful", run.text()
    oks = [(e["event_data"]["task"], e["event_data"]["host"]) for e in run.events if e["event"] == "runner_on_ok"]
    assert sorted(oks) == sorted((t, h) for t in ("ping", "command", "shell", "file", "copy") for h in ("r1", "r2"))
    assert (dest / "copied.txt").read_text() == "copied\n"


def test_unreachable_hosts_are_dark_and_others_carry_on(ssh_env, tmp_path):
    closed = sshd.free_port()
    inventory = _inventory(ssh_env["ports"][:1], ssh_env["key"]) + (
        f"closed ansible_host=127.0.0.1 ansible_port={closed} ansible_user=root ansible_ssh_private_key_file={ssh_env['key']}\n"
        f"badkey ansible_host=127.0.0.1 ansible_port={ssh_env['ports'][1]} ansible_user=root "
        f"ansible_ssh_private_key_file={ssh_env['wrong_key']}\n"
    )
    inventory = inventory.replace("[remotes]\n", "[remotes]\n", 1)
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.remotes.copy(content="first\\n", dest="DEST")  # an action of several steps on each host
            await ftl.remotes.command(cmd="echo second")
        return 0
    """.replace("DEST", str(tmp_path / "first.txt"))
    pdd = make_data_dir(tmp_path, script, inventory=inventory)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=worker_env(HOME=str(tmp_path / "home")))
    assert run.rc == 4 and processed.status == "failed"
    dark = {e["event_data"]["host"]: e for e in run.events if e["event"] == "runner_on_unreachable"}
    assert set(dark) == {"closed", "badkey"}
    assert "Failed to connect" in dark["closed"]["event_data"]["res"]["msg"]
    assert "authentication" in dark["badkey"]["event_data"]["res"]["msg"].lower()
    oks = [e["event_data"]["host"] for e in run.events if e["event"] == "runner_on_ok"]
    assert oks == ["r1", "r1"]  # the reachable host ran both tasks; the dark ones were dropped after the first
    assert (tmp_path / "first.txt").read_text() == "first\n"
    stats = run.events[-1]["event_data"]
    assert stats["dark"] == {"closed": 1, "badkey": 1} and stats["ok"] == {"r1": 2}
    assert "UNREACHABLE!" in run.text()


def _offline_env(home: Path, **extra: str) -> dict[str, str]:
    """Every package download fails fast: indexes point at a closed loopback port."""
    blackhole = f"http://127.0.0.1:{sshd.free_port()}/simple"
    return worker_env(
        HOME=str(home),
        PIP_INDEX_URL=blackhole,
        PIP_EXTRA_INDEX_URL="",
        PIP_FIND_LINKS="",
        PIP_NO_INDEX="1",
        UV_INDEX_URL=blackhole,
        UV_DEFAULT_INDEX=blackhole,
        UV_OFFLINE="1",
        PIP_CONFIG_FILE="/dev/null",
        UV_NO_CACHE="1",
        **extra,
    )


def test_prebuilt_gate_makes_remote_jobs_work_offline(ssh_env, tmp_path):
    gates = tmp_path / "gates"
    built = subprocess.run(
        [FTL2_RUNNER, "gate", "build", "--output-dir", str(gates)],
        capture_output=True,
        text=True,
        timeout=300,
        env=worker_env(HOME=str(tmp_path / "build-home")),
    )
    assert built.returncode == 0, built.stderr
    assert len(list(gates.glob("ftl_gate_*.pyz"))) == 2
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.remotes.command(cmd="echo offline")
        return 0
    """
    pdd = make_data_dir(tmp_path, script, inventory=_inventory(ssh_env["ports"][:1], ssh_env["key"]))
    # Control: with an empty gate cache and no index, FTL2 cannot build its gate.
    run, _ = pipeline(pdd, tmp_path / "control", "-p", "job.py", env=_offline_env(tmp_path / "home-a"))
    assert run.final_status == "failed"
    assert "Gate construction failed" in json.dumps(run.events) or "Failed to install" in json.dumps(run.events)
    # With the prebuilt gate the same job works without any download.
    run, processed = pipeline(
        pdd, tmp_path / "offline", "-p", "job.py", env=_offline_env(tmp_path / "home-b", FTL2_RUNNER_GATE_DIR=str(gates))
    )
    assert processed.status == "successful", run.text()
    assert [e["event_data"]["res"]["stdout"] for e in run.events if e["event"] == "runner_on_ok"] == ["offline"]


def test_host_key_checking_follows_ansible_setting(ssh_env, tmp_path):
    """ANSIBLE_HOST_KEY_CHECKING=True with an empty known_hosts refuses the host, as ssh would."""
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.remotes.command(cmd="echo checked")
        return 0
    """
    pdd = make_data_dir(
        tmp_path,
        script,
        inventory=_inventory(ssh_env["ports"][:1], ssh_env["key"]),
        env_files={"envvars": json.dumps({"ANSIBLE_HOST_KEY_CHECKING": "True"})},
    )
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text("")
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=worker_env(HOME=str(home)))
    assert processed.status == "failed" and run.rc == 4
    assert [e["event"] for e in run.events if e["event_data"].get("host") == "r1"][-1] == "runner_on_unreachable"
    # Without the setting, ansible-runner's default (ANSIBLE_HOST_KEY_CHECKING=False) accepts the key.
    pdd2 = make_data_dir(tmp_path / "unchecked", script, inventory=_inventory(ssh_env["ports"][:1], ssh_env["key"]))
    run, processed = pipeline(pdd2, tmp_path / "unchecked", "-p", "job.py", env=worker_env(HOME=str(home)))
    assert processed.status == "successful"


def test_facts_on_remote_hosts_feed_variables_and_the_fact_cache(ssh_env, tmp_path):
    # FTL2 0.4.7's setup dies remotely (relative import); ftl2-runner sends its own bundle through the gate.
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            facts = await ftl.remotes.gather_facts()
            with runner.task("only on Linux", when='ansible_system == "Linux" and ansible_facts["system"] == "Linux"'):
                await ftl.remotes.command(cmd="echo linux")
            assert sorted(facts.keys()) == ["r1", "r2"] and facts["r1"].ansible_facts["ansible_system"] == "Linux", facts
        return 0
    """
    pdd = make_data_dir(tmp_path, script, inventory=_inventory(ssh_env["ports"][:2], ssh_env["key"]))
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", "-i", "facts")
    assert processed.status == "successful", run.text()
    gathered = [e for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["task"] == "gather_facts"]
    assert sorted(e["event_data"]["host"] for e in gathered) == ["r1", "r2"]
    res = gathered[0]["event_data"]["res"]
    assert list(res)[:2] == ["changed", "ansible_facts"] and "rc" not in res and "stdout" not in res
    assert res["ansible_facts"]["ansible_system"] == "Linux"
    assert res["ansible_facts"]["ansible_python"]["executable"] == "/usr/bin/python3"  # gathered on the remote side
    linux = [e for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["task"] == "only on Linux"]
    assert len(linux) == 2  # the facts became the hosts' variables
    for host in ("r1", "r2"):
        entry = json.loads((processed.artifact_dir / "fact_cache" / f"s1_{host}").read_text())
        assert json.loads(entry["__payload__"])["ansible_system"] == "Linux"


def test_awx_gather_facts_ad_hoc_job_on_a_remote_host(ssh_env, tmp_path):
    pdd = make_data_dir(tmp_path, None, inventory=_inventory(ssh_env["ports"][:1], ssh_env["key"]))
    run, processed = pipeline(pdd, tmp_path, "-m", "setup", "--hosts", "remotes")
    assert processed.status == "successful", run.text()
    ok = [e for e in run.events if e["event"] == "runner_on_ok"]
    assert [e["event_data"]["host"] for e in ok] == ["r1"]
    assert ok[0]["event_data"]["res"]["ansible_facts"]["ansible_system"] == "Linux"
    assert "r1 | SUCCESS => {" in run.text()


NO_LOG_EVERYWHERE = """
async def run(inventory_path, extravars, runner):
    dest, s = extravars["dest"], extravars["secret"]  # not in the source: an error's Origin block quotes it
    async with runner.automation() as ftl:
        async with runner.play("all", hosts="all") as hosts:

            @runner.handler("secret handler")
            async def secret_handler():
                with runner.task(no_log=True):
                    await hosts.command(cmd=f"echo {s}-handler")

            retried = {"register": "r", "until": 'r.stdout == "never"', "retries": 1, "delay": 0}
            with runner.task("retried", no_log=True, ignore_errors=True, **retried):
                await hosts.command(cmd=f"echo {s}-retry")
            with runner.task("looped", no_log=True):
                async for item in runner.loop([s + "-item"]):
                    await hosts.command(cmd=f"echo {item}")
            with runner.task("labelled", no_log=True, ignore_errors=True):
                async for item in runner.loop([{"n": s + "-label"}], label="{{ item.n }}"):
                    await hosts.shell(cmd=f"echo {item['n']}; exit 3")
            with runner.task("failing", no_log=True, ignore_errors=True):
                await hosts.shell(cmd=f"echo {s}-failure; exit 3")
            with runner.task("delegated", delegate_to="localhost", no_log=True):
                await hosts.command(cmd=f"echo {s}-delegated")
            with runner.task("once", run_once=True, no_log=True, notify="secret handler"):
                await hosts.command(cmd=f"echo {s}-once")
            with runner.task("diffed", no_log=True):
                await hosts.copy(content=s + "-diff\\n", dest=dest + "/{{ inventory_hostname }}.txt")
    return 0
"""


@pytest.mark.parametrize("verbosity", ["", "-vvv"], ids=["v0", "vvv"])
def test_no_log_hides_every_path_on_local_and_remote_hosts(ssh_env, tmp_path, verbosity):
    """Retries, loop items and labels, failures, delegate_to, run_once, handlers and --diff under no_log, on a
    local and an ssh host: no secret in any event, the stdout artifact or the artifacts zip (docs/reliability.md)."""
    import base64
    import io
    import zipfile

    dest = tmp_path / "dest"
    dest.mkdir()
    inventory = _inventory(ssh_env["ports"][:1], ssh_env["key"], extra="[locals]\nl1 ansible_connection=local\n")
    files = {"extravars": json.dumps({"dest": str(dest), "secret": "S3CRET"}), "cmdline": f"--diff {verbosity}".strip()}
    pdd = make_data_dir(tmp_path, NO_LOG_EVERYWHERE, inventory=inventory, env_files=files)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    names = run.event_names()
    for event in ("runner_retry", "runner_item_on_ok", "runner_item_on_failed", "runner_on_failed", "runner_on_file_diff"):
        assert event in names, event
    assert "RUNNING HANDLER [secret handler]" in run.text()
    assert "(item=(censored due to no_log))" in run.text()
    assert "[r1 -> localhost]" in run.text() and "[l1 -> localhost]" in run.text()
    assert (dest / "r1.txt").read_text() == "S3CRET-diff\n"  # it ran
    payload = run.stdout.split(b'{"zipfile"')[1].split(b"\n", 1)[1].split(b'{"eof": true}')[0]
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(payload))) as archive:
        artifacts = b"".join(archive.read(name) for name in archive.namelist() if not name.endswith("/"))
    assert b"S3CRET" not in run.stdout
    assert b"S3CRET" not in artifacts
    assert b"S3CRET" not in b"".join(p.read_bytes() for p in processed.artifact_dir.rglob("*") if p.is_file())


HOST_OUTPUT_WITH_TEMPLATES = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.play("all", hosts="all") as hosts:
            out = await hosts.command(cmd="cat " + extravars["motd"])  # what a host answers: its file's text
            for host, r in out.items():
                await ftl[host].debug(msg=r.stdout)                      # the result itself as an argument
                await ftl[host].copy(content=f"built {r.stdout}\\n", dest=extravars["dest"] + "/" + host)  # in a built string
                await ftl[host].set_fact(copied=r.stdout_lines[0])
                await ftl[host].debug(msg="{{ copied }}")                 # a fact set from it
    return 0
"""


def test_what_a_host_returns_is_never_evaluated_as_a_template(ssh_env, tmp_path):
    """A target's output is data, as ansible-core treats a module's result: its ``{{ }}`` text is never
    templated when the script passes it on, on local and remote hosts (a host's output reached the
    execution node's Jinja, and with attribute walking, ``os``: it ran commands there)."""
    marker = tmp_path / "evaluated"
    payload = "{{ cycler.__init__.__globals__.os.popen('touch %s').read() }} {{ 6 * 7 }}" % marker
    motd, dest = tmp_path / "motd", tmp_path / "dest"
    motd.write_text(payload + "\n")
    dest.mkdir()
    inventory = _inventory(ssh_env["ports"][:1], ssh_env["key"], extra="[locals]\nl1 ansible_connection=local\n")
    extravars = json.dumps({"motd": str(motd), "dest": str(dest)})
    pdd = make_data_dir(tmp_path, HOST_OUTPUT_WITH_TEMPLATES, inventory=inventory, env_files={"extravars": extravars})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    assert not marker.exists()
    for host in ("r1", "l1"):
        ok = [e["event_data"] for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["host"] == host]
        shown = [data["res"]["msg"] for data in ok if data["task"] == "debug"]
        assert shown == [payload, payload], run.text()
        assert (dest / host).read_text() == f"built {payload}\n"


def test_a_remote_job_writes_nothing_outside_its_data_dir(ssh_env, tmp_path):
    """FTL2 builds its gate in ``~/.ftl`` (and uv its download cache in ``~/.cache/uv``), shared by
    every job of the node's user; the executor keeps both in the job's data dir. What is left
    outside: empty directories FTL2 makes on its own (``~/.ftl``, ``~/.ftl2/gates``) and ansible-core's
    ``~/.ansible/tmp`` (ansible-playbook makes it too); no file anywhere in HOME or TMPDIR."""
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.command(cmd="echo local")
            await ftl.remotes.command(cmd="echo remote")
            await ftl.remotes.setup(filter="ansible_system")
        return 0
    """
    inventory = _inventory(ssh_env["ports"][:1], ssh_env["key"], extra="[locals]\nlocalhost ansible_connection=local\n")
    pdd = make_data_dir(tmp_path, script, inventory=inventory)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=worker_env(HOME=str(home), TMPDIR=str(tmp)))
    assert processed.status == "successful", run.text()
    files = [str(p.relative_to(tmp_path)) for base in (home, tmp) for p in base.rglob("*") if not p.is_dir()]
    assert files == []
    dirs = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert set(dirs) <= {".ftl", ".ftl2", ".ftl2/gates", ".ansible", ".ansible/tmp"}, dirs
    assert list((tmp_path / "worker" / "artifacts" / ".ftl2-runner-gates").glob("ftl_gate_*.pyz")) != []
