"""Everything a real AWX job puts in the private data dir is honoured (files, cmdline, settings, kwargs)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import textwrap
from pathlib import Path

import pytest
from streams import make_data_dir, pipeline, run_worker

from compat.awx_jobs import AwxJob, Group, Inventory, build_job

REPORT = """
import json, os
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        report = {
            "extravars": extravars,
            "check_mode": runner.check_mode,
            "verbosity": runner.verbosity,
            "limit": runner.limit,
            "hosts": runner.hosts_matching("all"),
            "env": {k: v for k, v in os.environ.items() if k.startswith("MY_")},
            "inventory_path": inventory_path,
        }
        print("REPORT " + json.dumps(report, sort_keys=True))
    return 0
"""


def _report(run) -> dict:
    line = next(e["stdout"] for e in run.events if e["stdout"].startswith("REPORT "))
    return json.loads(line[len("REPORT ") :])


def _api_stream(pdd: Path, **kwargs) -> bytes:
    import ansible_runner

    buffer = io.BytesIO()
    buffer.name = "transmit"
    ansible_runner.run(streamer="transmit", _output=buffer, private_data_dir=str(pdd), **kwargs)
    return buffer.getvalue()


def test_extravars_file_cmdline_and_kwarg_with_ansible_precedence(tmp_path):
    pdd = make_data_dir(
        tmp_path,
        REPORT,
        env_files={
            "extravars": "from_file: yaml\nshared: file\n",
            "cmdline": '-e \'{"from_cmdline": 1, "shared": "cmdline"}\' -e plain=kv',
        },
    )
    run = run_worker(_api_stream(pdd, playbook="job.py", ident=7, extravars={"from_kwarg": True, "shared": "kwarg"}), tmp_path / "w")
    assert run.final_status == "successful"
    report = _report(run)
    # cmdline -e comes first on ansible-runner's command line, the extravars file next, the kwarg last: last wins.
    assert report["extravars"] == {"from_file": "yaml", "shared": "kwarg", "from_cmdline": 1, "plain": "kv", "from_kwarg": True}
    assert run.statuses[0]["runner_ident"] == "7"  # AWX sends integer idents


def test_json_extravars_file(tmp_path):
    pdd = make_data_dir(tmp_path, REPORT, env_files={"extravars": json.dumps({"a": [1, 2]})})
    run, _ = pipeline(pdd, tmp_path, "-p", "job.py")
    assert _report(run)["extravars"] == {"a": [1, 2]}


def test_unparsable_extravars_fail_the_job(tmp_path):
    pdd = make_data_dir(tmp_path, REPORT, env_files={"extravars": "a: [unclosed\n"})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "failed" and run.rc == 1
    assert "could not parse extra vars file" in run.text()


@pytest.mark.parametrize(
    ("extravars", "said"),
    [
        pytest.param("x: " + "9" * 5000 + "\n", "Exceeds the limit (4300 digits)", id="huge-int"),
        pytest.param("x: !!timestamp '2001-13-45'\n", "month must be in 1..12", id="bad-timestamp"),
        pytest.param("x: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply", id="deep-nesting"),
    ],
)
def test_extravars_python_cannot_hold_are_a_parse_error_not_a_crash(tmp_path, extravars, said):
    """ansible-core says ``YAML parsing failed: ...``; the executor crashed with a Python traceback."""
    pdd = make_data_dir(tmp_path, REPORT, env_files={"extravars": extravars})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "failed" and run.rc == 1
    assert "could not parse extra vars file" in run.text() and said in run.text()
    assert "Traceback" not in run.text()


def test_nested_yaml_aliases_are_loaded_once_not_walked_path_by_path(tmp_path):
    """Nine levels of nine aliases (``b: [*a, *a, ...]``) are a few objects but 9**9 paths; ansible-core
    loads the file at once, the executor walked every path (vault decryption) and never started."""
    levels = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    script = """
    async def run(inventory_path, extravars, runner):
        print("KEYS", sorted(extravars), len(extravars["l8"][0][0]))
        return 0
    """
    pdd = make_data_dir(tmp_path, script, env_files={"extravars": "\n".join(levels) + "\n"})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    assert "KEYS ['l0', 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8'] 9" in run.text()


INVENTORY = """
[all:vars]
greeting=hello
shared=from_all

[web]
web1 ansible_connection=local shared=from_host
web2 ansible_connection=local

[db]
db1 ansible_connection=local

[app:children]
web

[app:vars]
shared=from_app
tier=app
"""

HOSTVARS = """
import json
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        for pattern in ("all", "app", "web:&app", "all:!web", "web[0]", "~db.*"):
            print("PATTERN " + json.dumps([pattern, runner.hosts_matching(pattern)]))
        for host in runner.hosts_matching("all"):
            print("VARS " + json.dumps([host, runner.host_vars(host)], sort_keys=True))
        await ftl.app.command(cmd="echo app member")
    return 0
"""


def test_inventory_groups_children_and_vars_like_ansible(tmp_path):
    pdd = make_data_dir(tmp_path, HOSTVARS, inventory=INVENTORY)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful"
    patterns = dict(json.loads(e["stdout"][8:]) for e in run.events if e["stdout"].startswith("PATTERN "))
    assert patterns == {
        "all": ["db1", "web1", "web2"],  # web is app's child: a level below db (ansible 2.21.5 --list-hosts)
        "app": ["web1", "web2"],
        "web:&app": ["web1", "web2"],
        "all:!web": ["db1"],
        "web[0]": ["web1"],
        "~db.*": ["db1"],
    }
    variables = dict(json.loads(e["stdout"][5:]) for e in run.events if e["stdout"].startswith("VARS "))
    assert variables["web1"]["shared"] == "from_host" and variables["web2"]["shared"] == "from_app"
    assert variables["db1"]["shared"] == "from_all" and variables["web2"]["tier"] == "app"
    assert variables["db1"]["greeting"] == "hello" and "tier" not in variables["db1"]
    hosts = sorted(e["event_data"]["host"] for e in run.events if e["event"] == "runner_on_ok")
    assert hosts == ["web1", "web2"]  # FTL2 alone would find no host in `app` (children are ignored)


def test_awx_inventory_script(tmp_path):
    """AWX's inventory script (compat/awx_jobs.py): grouped hosts only under their groups, remote_tower_id hostvars."""
    inventory = Inventory(
        hosts={"a1": {}, "u1": {"ansible_connection": "local"}},
        groups={"group_a": Group(hosts=["a1"], vars={"ansible_connection": "local"})},
    )
    script = HOSTVARS.replace("ftl.app.command", "ftl.group_a.command")
    built = build_job(AwxJob(project={"job.py": textwrap.dedent(script)}, playbook="job.py", inventory=inventory), tmp_path / "awx")
    run = run_worker(_api_stream(built.private_data_dir, **built.kwargs), tmp_path / "w")
    assert run.final_status == "successful", run.text()
    variables = dict(json.loads(e["stdout"][5:]) for e in run.events if e["stdout"].startswith("VARS "))
    assert variables["a1"]["ansible_connection"] == "local" and variables["a1"]["remote_tower_id"] == 100
    assert variables["u1"]["remote_tower_id"] == 101 and variables["u1"]["remote_host_enabled"] == "true"
    assert [e["event_data"]["host"] for e in run.events if e["event"] == "runner_on_ok"] == ["a1"]


def test_limit_restricts_every_call(tmp_path):
    pdd = make_data_dir(tmp_path, HOSTVARS, inventory=INVENTORY, env_files={"cmdline": "-l web2"})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful"
    assert [e["event_data"]["host"] for e in run.events if e["event"] == "runner_on_ok"] == ["web2"]
    patterns = dict(json.loads(e["stdout"][8:]) for e in run.events if e["stdout"].startswith("PATTERN "))
    assert patterns["all"] == ["web2"]


def test_limit_matching_nothing_is_an_error(tmp_path):
    pdd = make_data_dir(tmp_path, HOSTVARS, inventory=INVENTORY)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", "--limit", "nosuch")
    assert processed.status == "failed" and run.rc == 1
    assert "leaves us with no hosts to target" in run.text()


def test_check_mode_changes_nothing(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "existing.txt").write_text("line one\n")
    script = f"""
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.file(path="{target}/new_dir", state="directory")
            await ftl.localhost.copy(content="data", dest="{target}/copied.txt")
            await ftl.localhost.command(cmd="touch {target}/touched")
            await ftl.localhost.shell(cmd="echo x > {target}/shelled")
            await ftl.localhost.lineinfile(path="{target}/existing.txt", line="line two")
            await ftl.localhost.ping()
        return 0
    """
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in target.iterdir()}
    pdd = make_data_dir(tmp_path, script, env_files={"cmdline": "--check"})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in target.iterdir()}
    assert processed.status == "successful", run.text()
    assert before == after
    outcomes = {
        e["event_data"]["task"]: e["event"] for e in run.events if e["event"].startswith("runner_on_") and e["event"] != "runner_on_start"
    }
    # file runs as Ansible's own module in check mode, copy is predicted: both say what would change.
    assert outcomes == {
        "file": "runner_on_ok",
        "copy": "runner_on_ok",
        "command": "runner_on_skipped",
        "shell": "runner_on_skipped",
        "lineinfile": "runner_on_ok",
        "ping": "runner_on_ok",
    }
    changed = {e["event_data"]["task"] for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["res"]["changed"]}
    assert {"file", "copy", "lineinfile"} <= changed
    assert "[CHECK MODE]" not in run.text()  # ansible-core's default callback: check_mode_markers is off
    lineinfile = next(e for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["task"] == "lineinfile")
    assert lineinfile["event_data"]["res"]["changed"] is True  # would change, did not


def test_envvars_reach_the_script(tmp_path):
    pdd = make_data_dir(tmp_path, REPORT, env_files={"envvars": "MY_FROM_FILE: file\n"})
    run = run_worker(_api_stream(pdd, playbook="job.py", ident="env", envvars={"MY_FROM_KWARG": "kwarg"}), tmp_path / "w")
    assert _report(run)["env"] == {"MY_FROM_FILE": "file", "MY_FROM_KWARG": "kwarg"}
    assert run.statuses[0]["env"]["MY_FROM_KWARG"] == "kwarg"


def test_job_timeout_from_settings(tmp_path):
    script = """
    import asyncio
    async def run(inventory_path, extravars, runner):
        await asyncio.sleep(60)
        return 0
    """
    pdd = make_data_dir(tmp_path, script, env_files={"settings": json.dumps({"job_timeout": 2, "pexpect_timeout": 0.5})})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert run.final_status == "timeout" and processed.status == "timeout"
    assert run.rc == 254 and run.lines[-1]["eof"] is True


def test_passwords_answer_prompts(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        answer = input("Vault password: ")
        print("GOT " + answer[::-1])
        return 0
    """
    pdd = make_data_dir(tmp_path, script, env_files={"passwords": json.dumps({r"Vault password:\s*?$": "s3cret"})})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    assert "GOT terc3s" in run.text()


def test_only_transmit_kwargs_uses_the_existing_dir_and_keeps_it(tmp_path):
    pdd = make_data_dir(tmp_path, REPORT)
    stream = _api_stream(pdd, playbook="job.py", ident="hybrid", only_transmit_kwargs=True)
    assert b"zipfile" not in stream
    run = run_worker(stream, pdd)
    assert run.final_status == "successful"
    assert (pdd / "project" / "job.py").exists() and (pdd / "artifacts" / "hybrid" / "status").exists()


def test_tags_and_start_at_task(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            for name, tags in (("one", ["a"]), ("two", ["b"]), ("three", ["a", "b"]), ("four", [])):
                with runner.task(name, tags=tags):
                    await ftl.localhost.command(cmd="echo " + name)
        return 0
    """
    pdd = make_data_dir(tmp_path, script, env_files={"cmdline": "--tags a --skip-tags b"})
    run, _ = pipeline(pdd, tmp_path, "-p", "job.py")
    assert [e["event_data"]["task"] for e in run.events if e["event"] == "playbook_on_task_start"] == ["one"]
    pdd2 = make_data_dir(tmp_path / "second", script, env_files={"cmdline": "--start-at-task three"})
    run, _ = pipeline(pdd2, tmp_path / "second", "-p", "job.py")
    assert [e["event_data"]["task"] for e in run.events if e["event"] == "playbook_on_task_start"] == ["three", "four"]


def test_unsupported_flags_are_reported_not_ignored(tmp_path):
    pdd = make_data_dir(tmp_path, REPORT, env_files={"cmdline": "--diff --forks=3 --ask-pass"})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    warnings = [e["stdout"] for e in run.events if e["event"] == "warning"]
    assert not any("--forks" in w for w in warnings)  # applied now (compat case throttle_forks)
    assert not any("--diff" in w for w in warnings)  # --diff is honoured now (compat case diff_mode)
    assert any("--ask-pass" in w for w in warnings)  # (vault prompts are honoured: compat case awx_vault)
    assert processed.status == "successful"


def test_fact_cache_round_trip(tmp_path):
    """Facts AWX sent come back untouched; facts gathered in the job land in fact_cache/s1_<host>."""
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.getent(database="passwd", key="root")
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    sent = pdd / "artifacts" / "55" / "fact_cache"
    sent.mkdir(parents=True)
    (sent / "otherhost").write_text('{"ansible_distribution": "Debian"}')
    os.utime(sent / "otherhost", (1_700_000_000, 1_700_000_000))
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", "-i", "55")
    assert processed.status == "successful", run.text()
    cache = processed.artifact_dir / "fact_cache"
    assert (cache / "otherhost").read_text() == '{"ansible_distribution": "Debian"}'
    assert int((cache / "otherhost").stat().st_mtime) == 1_700_000_000
    entry = json.loads((cache / "s1_localhost").read_text())  # ansible-core 2.21's jsonfile layout
    gathered = json.loads(entry["__payload__"])
    assert gathered["getent_passwd"]["root"][0] == "x"
    assert (cache / "s1_localhost").stat().st_mode & 0o777 == 0o644


def test_secrets_stay_out_of_events_and_artifacts(tmp_path):
    """env/passwords answers, the ssh_key and no_log results never reach the stream or artifacts."""
    import subprocess

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id")], check=True)
    key = (tmp_path / "id").read_text()
    key_material = key.splitlines()[1].encode()
    script = """
    async def run(inventory_path, extravars, runner):
        answer = input("Password: ")
        async with runner.automation() as ftl:
            with runner.task("secret task", no_log=True):
                await ftl.localhost.command(cmd="echo sup3rsecret-" + answer)
        return 0
    """
    pdd = make_data_dir(tmp_path, script, env_files={"passwords": json.dumps({r"Password:\s*?$": "pw-answer-123"})})
    run = run_worker(_api_stream(pdd, playbook="job.py", ident="sec", ssh_key=key), tmp_path / "w")
    assert run.final_status == "successful", run.text()
    assert run.statuses[0]["command"][0] == "ssh-agent"  # the key is loaded as ansible-runner loads it
    import base64
    import zipfile

    payload = run.stdout.split(b'{"zipfile"')[1].split(b"\n", 1)[1].split(b'{"eof": true}')[0]
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(payload))) as archive:
        contents = b"".join(archive.read(name) for name in archive.namelist() if not name.endswith("/"))
    for secret in (b"pw-answer-123", key_material, b"sup3rsecret"):
        assert secret not in run.stdout
        assert secret not in contents
    censored = next(e for e in run.events if e["event"] == "runner_on_ok")
    assert censored["event_data"]["res"] == {
        "censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
    }


def test_an_unsafe_answer_between_the_scripts_braces_is_never_evaluated(tmp_path):
    """A survey answer (AWX's ``!unsafe``) or a host's output ``{ db_password }`` that the script puts
    between braces of its own (``f"${{{answer}}}"``, a shell variable) made ``${{ db_password }}``: the
    answer had no delimiter of its own, so it was not protected, and the secret was rendered."""
    script = """
    async def run(inventory_path, extravars, runner):
        answer = extravars["answer"]
        async with runner.automation() as ftl:
            r = await ftl.localhost.command(cmd="printf %s '{ db_password }'")
            await ftl.localhost.debug(msg=f"answer ${{{answer}}} host ${{{r.stdout}}} own {{{{ 6 * 7 }}}}")
        return 0
    """
    extravars = "db_password: hunter2\n!unsafe 'answer': !unsafe '{ db_password }'\n"
    pdd = make_data_dir(tmp_path, script, env_files={"extravars": extravars})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    shown = next(e["event_data"]["res"]["msg"] for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["task"] == "debug")
    assert shown == "answer ${{ db_password }} host ${{ db_password }} own 42"
    assert "hunter2" not in run.stdout.decode()


def test_inventory_host_names_are_never_evaluated_as_templates(tmp_path):
    """A host named ``web-{{ 7 * 7 }}`` (a cloud instance's tag in a dynamic inventory) is shown as it is by
    ansible-core; its name inside a string the script builds was rendered to ``web-49``."""
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            with runner.play("all", hosts="all") as hosts:
                for host in (await hosts.ping()).keys():
                    await ftl.localhost.debug(msg=f"pinged {host}")
                for host in runner.hosts_matching("all") + runner.groups["tagged"]:
                    await ftl.localhost.debug(msg=f"matched {host}")
        return 0
    """
    name = "web-{{ 7 * 7 }}"
    inventory = {
        "all": {"children": ["tagged"]},
        "tagged": {"hosts": [name]},
        "_meta": {"hostvars": {name: {"ansible_connection": "local"}}},
    }
    pdd = make_data_dir(tmp_path, script, inventory="#! /usr/bin/env python3\nprint(%r)\n" % json.dumps(inventory))
    (pdd / "inventory" / "hosts").chmod(0o700)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    shown = [e["event_data"]["res"]["msg"] for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["task"] == "debug"]
    assert shown == [f"pinged {name}", f"matched {name}", f"matched {name}"]


def test_a_vaulted_value_is_data_not_a_template(tmp_path):
    """ansible-core 2.21 never templates the plaintext of a ``!vault`` value (``{{ vaulted }}`` of
    ``{{ 6 * 7 }}`` prints ``{{ 6 * 7 }}``); a vaulted password with ``{#`` in it failed as a template."""
    from ftl2_runner.data.vault import encrypt

    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.debug(msg="{{ vaulted }}|{{ password }}")
            await ftl.localhost.debug(msg=f"built {extravars['password']}")
        return 0
    """

    def vaulted(plaintext: str) -> str:
        return "!vault |\n" + "".join(f"  {line}\n" for line in encrypt(plaintext, "vpw").splitlines())

    extravars = f"vaulted: {vaulted('{{ 6 * 7 }}')}password: {vaulted('pa{#ss{{w')}"
    files = {"extravars": extravars, "cmdline": "--ask-vault-pass", "passwords": json.dumps({r"Vault password:\s*?$": "vpw"})}
    pdd = make_data_dir(tmp_path, script, env_files=files)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful", run.text()
    shown = [e["event_data"]["res"]["msg"] for e in run.events if e["event"] == "runner_on_ok" and e["event_data"]["task"] == "debug"]
    assert shown == ["{{ 6 * 7 }}|pa{#ss{{w", "built pa{#ss{{w"]
