"""AWX-built jobs: every job type and setting AWX writes, through stock ansible-runner at both ends.

Each job is built by compat/awx_jobs.py exactly as AWX builds it, streamed by the STOCK
ansible-runner ``transmit`` (compat reference env), run by ``ftl2-runner worker`` with stdout
and stderr merged (as Receptor runs the work-command), and read back by the STOCK ``process``
with AWX's handlers (tests/awx_pipeline.py). The same job with the equivalent YAML playbook
runs on the stock ``ansible-runner worker`` with ansible-core and must end with the status AWX
would show for it. Where the output itself is compared, the compat case named in the test says so.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import sshd
from awx_pipeline import AwxOutcome, run_awx_job
from streams import worker_env

from compat.awx_jobs import (
    AwxJob,
    CustomCredential,
    Inventory,
    MachineCredential,
    SurveyQuestion,
    VaultCredential,
    build_job,
    sliced,
)
from compat.reference import ensure_reference_env

pytestmark = pytest.mark.awx

SCRIPT = """hosts: all


async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("show the answer"):
            await ftl.debug(msg=f"answer {extravars['answer']}")
        with runner.task("echo", tags=["echo"]):
            await ftl.command(cmd="echo {{ inventory_hostname }}")
        with runner.task("never tagged"):
            await ftl.debug(msg="untagged")
    return 0
"""
PLAYBOOK = """- hosts: all
  gather_facts: false
  tasks:
    - name: show the answer
      debug:
        msg: "answer {{ answer }}"
    - name: echo
      command: echo {{ inventory_hostname }}
      tags: [echo]
    - name: never tagged
      debug:
        msg: untagged
"""
TWO_LOCAL = Inventory(hosts={"web1": {"ansible_connection": "local"}, "web2": {"ansible_connection": "local"}})


@pytest.fixture(scope="module", autouse=True)
def reference_env():
    return ensure_reference_env()


@pytest.fixture
def short_tmp():
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="awx-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _both(tmp_path: Path, job: AwxJob, script: str = SCRIPT, playbook: str = PLAYBOOK, **kwargs) -> tuple[AwxOutcome, AwxOutcome]:
    """The job as an FTL2 script on ftl2-runner, and as the YAML playbook on stock ansible-runner."""
    ours = run_awx_job(build_job(replace(job, project={job.playbook: script}), tmp_path / "ftl2-side"), tmp_path / "ftl2-side", **kwargs)
    theirs = run_awx_job(
        build_job(replace(job, project={job.playbook: playbook}), tmp_path / "ansible-side"), tmp_path / "ansible-side", "ansible", **kwargs
    )
    _every_line_is_json(ours)
    return ours, theirs


def _every_line_is_json(outcome: AwxOutcome) -> None:
    """With stderr merged into stdout, nothing but the protocol may reach AWX."""
    outcome.lines()  # raises on any line that is not a JSON record or the zip payload
    assert outcome.report.get("exception") is None, outcome.report["exception"]


def _results(outcome: AwxOutcome) -> list[tuple[str, str, str]]:
    return sorted(
        (e["event"], e["event_data"].get("task", ""), e["event_data"].get("host", ""))
        for e in outcome.events
        if e["event"].startswith("runner_on_") and e["event"] != "runner_on_start"
    )


def test_awx_defaults_run_and_end_as_ansible_does(tmp_path):
    """ALLOW_JINJA_IN_EXTRA_VARS='template' (the default): !unsafe survey answers no longer fail the job."""
    job = AwxJob(
        inventory=TWO_LOCAL,
        survey=[SurveyQuestion("answer", "text")],
        survey_answers={"answer": "2.{{ x }}"},
        extra_vars={"launched": {"k": ["{{ y }}"]}},
    )
    ours, theirs = _both(tmp_path, job)
    assert ours.status == theirs.status == "successful", ours.text()
    assert "could not determine a constructor" not in ours.text()
    assert _results(ours) == _results(theirs)
    assert "answer 2.{{ x }}" in ours.text() and "answer 2.{{ x }}" in theirs.text()
    starting = next(s for s in ours.report["statuses"] if s["status"] == "starting")
    assert "ftl2_runner.executor" in " ".join(starting["command"])
    assert all(e.get("job_id") == 42 for e in ours.events if e["event"].startswith("runner_on"))


@pytest.mark.parametrize(("allow_jinja", "shown"), [("template", "2.{{ 6 * 7 }}"), ("never", "2.{{ 6 * 7 }}"), ("always", "2.42")])
def test_allow_jinja_in_extra_vars(tmp_path, allow_jinja, shown):
    """The three settings write different bytes; the answer is templated only under 'always' (compat: awx_always, awx_never)."""
    job = AwxJob(allow_jinja=allow_jinja, survey=[SurveyQuestion("answer")], survey_answers={"answer": "2.{{ 6 * 7 }}"})
    ours, theirs = _both(tmp_path, job)
    assert ours.status == theirs.status == "successful", ours.text()
    assert f"answer {shown}" in ours.text() and f"answer {shown}" in theirs.text()


def _secret_count(outcome: AwxOutcome, secret: bytes) -> int:
    """How often ``secret`` appears in the worker's stream: records and the returned artifacts, unzipped."""
    stream = outcome.stream
    count = stream.split(b'{"zipfile"')[0].count(secret)
    if b'{"zipfile"' in stream:
        payload = stream.split(b'{"zipfile"')[1].split(b"\n", 1)[1].split(b'{"eof": true}')[0]
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(payload))) as archive:
            count += sum(archive.read(name).count(secret) for name in archive.namelist() if not name.endswith("/"))
    return count


def test_survey_passwords_are_not_shown_beyond_what_ansible_runner_shows(tmp_path):
    """A survey password is clear text in env/extravars (AWX writes it so); the job's output must not add to that."""
    secret = "pw-Surv3y-{{ never }}"
    job = AwxJob(
        survey=[SurveyQuestion("db_password", "password"), SurveyQuestion("answer")],
        survey_answers={"db_password": secret, "answer": "fine"},
        verbosity=3,
    )
    ours, theirs = _both(tmp_path, job)
    assert ours.status == theirs.status == "successful", ours.text()
    assert _secret_count(ours, secret.encode()) <= _secret_count(theirs, secret.encode())
    assert _secret_count(ours, secret.encode()) == 0
    for side in (ours, theirs):
        assert secret not in json.dumps(side.report["events"])


def test_job_template_options_as_awx_writes_them(tmp_path):
    """Check, Show Changes, limit, verbosity, tags, skip tags, forks, force handlers (compat: awx_check_diff_tags, with start at task).

    Not combined with start at task here: ansible-core 2.21.5 then runs a 'Gathering Facts' task
    despite gather_facts: false when the task before the start is not selected by the tags.
    """
    job = AwxJob(
        inventory=TWO_LOCAL,
        survey_answers={"answer": "x"},
        job_type="check",
        diff_mode=True,
        limit="web2",
        verbosity=2,
        job_tags="echo",
        skip_tags="slow",
        forks=7,
        force_handlers=True,
    )
    ours, theirs = _both(tmp_path, job)
    assert ours.status == theirs.status == "successful", ours.text()
    assert _results(ours) == _results(theirs) == [("runner_on_skipped", "echo", "web2")]  # command in check mode: skipped
    warnings = [e["stdout"] for e in ours.events if e["event"] == "warning"]
    assert not any("--forks" in w for w in warnings)  # applied: at most 7 hosts of a task at once, as Ansible


def test_limit_that_matches_nothing(tmp_path):
    """`-l nosuchhost`: Ansible's warning, then its error; the job fails on both."""
    job = AwxJob(inventory=TWO_LOCAL, survey_answers={"answer": "x"}, limit="nosuchhost")
    ours, theirs = _both(tmp_path, job)
    assert ours.status == theirs.status == "failed"
    for side in (ours, theirs):
        text = side.text()
        warning = text.index("[WARNING]: Could not match supplied host pattern, ignoring: nosuchhost")
        assert warning < text.index("Specified inventory, host pattern and/or --limit leaves us with no hosts to target.")


def test_sliced_job_runs_each_host_once(tmp_path):
    """A job template sliced in 2: two jobs, each with every 2nd host (compat: awx_sliced)."""
    job = AwxJob(inventory=Inventory(hosts={f"h{i}": {"ansible_connection": "local"} for i in range(5)}), survey_answers={"answer": "x"})
    seen = {}
    for part in sliced(job, 2):
        ours, theirs = _both(tmp_path / str(part.id), part)
        assert ours.status == theirs.status == "successful", ours.text()
        assert _results(ours) == _results(theirs)
        seen[part.job_slice_number] = sorted({host for _, _, host in _results(ours)})
    assert seen == {1: ["h0", "h2", "h4"], 2: ["h1", "h3"]}


def test_adhoc_command(tmp_path):
    """An ad hoc command (compat: awx_adhoc); cwd is the data dir, the host pattern ends env/cmdline."""
    job = AwxJob(kind="adhoc", inventory=TWO_LOCAL, module_name="command", module_args="echo {{ awx_job_id }}", limit="web1", forks=3)
    ours, theirs = _both(tmp_path, job)
    assert ours.status == theirs.status == "successful", ours.text()
    assert _results(ours) == _results(theirs) == [("runner_on_ok", "command", "web1")]
    assert all(e.get("ad_hoc_command_id") == 42 for e in ours.events if e["event"].startswith("runner_on"))


PROJECT_UPDATE = """- hosts: localhost
  gather_facts: false
  connection: local
  name: Update source tree if necessary
  tasks:
    - name: report the revision
      set_fact:
        scm_version: "{{ scm_branch }}-{{ scm_url | length }}"
      tags: [update_git]
"""


def test_project_update_runs_as_ansible_runner_runs_it(tmp_path, reference_env):
    """AWX's own project_update.yml is a real playbook: ftl2-runner hands it to ansible-playbook from the job's PATH."""
    job = AwxJob(kind="project_update", playbook="project_update.yml")
    env = worker_env(PATH=f"{reference_env}:{worker_env()['PATH']}", ANSIBLE_PYTHON_INTERPRETER=str(reference_env / "python"))
    ours, theirs = _both(tmp_path, job, PROJECT_UPDATE, PROJECT_UPDATE, env=env)
    assert ours.status == theirs.status == "successful", ours.text()
    facts = [e["event_data"]["res"].get("ansible_facts") for e in ours.events if e["event"] == "runner_on_ok"]
    assert {"scm_version": "HEAD-48"} in facts  # AWX reads the new revision from this set_fact event


@pytest.mark.parametrize("mounted", [True, False], ids=["paths-resolve", "runner-paths-absent"])
def test_inventory_update(tmp_path, reference_env, mounted):
    """The `args` layout: ansible-inventory on /runner paths. Where they resolve it writes output.json; where not, both fail."""
    job = AwxJob(kind="inventory_update", id=9, project={"inventory.ini": "[web]\nw1 a=1\nw2\n"})
    env = worker_env(PATH=f"{reference_env}:{worker_env()['PATH']}")
    outcomes = []
    for side in ("ftl2", "ansible"):
        worker_dir = tmp_path / f"{side}-worker"
        built = build_job(replace(job, container_root=str(worker_dir) if mounted else "/runner"), tmp_path / side)
        outcomes.append(run_awx_job(built, tmp_path / side, side, env=env, worker_dir=worker_dir))
    ours, theirs = outcomes
    _every_line_is_json(ours)
    assert ours.status == theirs.status == ("successful" if mounted else "failed"), ours.text()
    if mounted:
        for side in outcomes:
            assert "output.json" in side.report["artifact_files"]


def test_custom_credential_file_outside_an_execution_environment(tmp_path):
    """`-e @/runner/env/tmpXXXXXXXX` where the data dir is not /runner: both fail; ftl2-runner says why."""
    job = AwxJob(survey_answers={"answer": "x"}, custom=[CustomCredential(extra_vars={"api_token": "ABC123"})])
    ours, theirs = _both(tmp_path, job)
    assert ours.status == theirs.status == "failed"
    text = ours.text()
    assert "could not read extra vars file /runner/env/tmp" in text and "mounted at /runner" in text
    assert "this job's private data dir is" in text


def test_custom_credential_where_the_data_dir_is_mounted(tmp_path):
    """The same credential where its file resolves (compat: awx_custom_credential)."""
    script = SCRIPT.replace("answer {extravars['answer']}", "token {extravars['api_token']}")
    playbook = PLAYBOOK.replace("answer {{ answer }}", "token {{ api_token }}")
    outcomes = []
    for side, content in (("ftl2", script), ("ansible", playbook)):
        worker_dir = tmp_path / f"{side}-worker"
        job = AwxJob(
            project={"site.yml": content}, custom=[CustomCredential(extra_vars={"api_token": "T{{ 1 }}"})], container_root=str(worker_dir)
        )
        outcomes.append(run_awx_job(build_job(job, tmp_path / side), tmp_path / side, side, worker_dir=worker_dir))
    assert outcomes[0].status == outcomes[1].status == "successful"
    assert "token T{{ 1 }}" in outcomes[0].text() and "token T{{ 1 }}" in outcomes[1].text()


def test_vault_credentials(tmp_path):
    """--ask-vault-pass and --vault-id dev@prompt, answered from the passwords kwarg (compat: awx_vault)."""
    from ftl2_runner.data.vault import encrypt

    def vaulted(text, password, vault_id=None):
        return "!vault |\n" + "".join(f"        {line}\n" for line in encrypt(text, password, vault_id).splitlines())

    variables = f"    one: {vaulted('first', 'pw1')}    two: {vaulted('second', 'pw2', 'dev')}"
    launcher = f"- hosts: all\n  gather_facts: false\n  vars:\n    ftl2_script: run.py\n{variables}"
    script = "async def run(i, extravars, runner):\n    async with runner.automation() as ftl:\n"
    script += '        await ftl.debug(msg="{{ one }} {{ two }}")\n'
    playbook = (
        f'- hosts: all\n  gather_facts: false\n  vars:\n{variables}  tasks:\n    - debug:\n        msg: "{{{{ one }}}} {{{{ two }}}}"\n'
    )
    job = AwxJob(vaults=[VaultCredential("pw1"), VaultCredential("pw2", "dev")])
    ours = run_awx_job(build_job(replace(job, project={"site.yml": launcher, "run.py": script}), tmp_path / "f"), tmp_path / "f")
    theirs = run_awx_job(build_job(replace(job, project={"site.yml": playbook}), tmp_path / "a"), tmp_path / "a", "ansible")
    assert ours.status == theirs.status == "successful", ours.text()
    assert "first second" in ours.text() and "first second" in theirs.text()
    assert _secret_count(ours, b"pw1") == _secret_count(ours, b"pw2") == 0
    # Without the vault credential: a clear error naming the variable (ansible-playbook fails too).
    bare = run_awx_job(build_job(AwxJob(project={"site.yml": launcher, "run.py": script}), tmp_path / "b"), tmp_path / "b")
    assert bare.status == "failed" and "could not decrypt the !vault value of one: no vault password was given" in bare.text()


def test_fact_cache_going_in_comes_back(tmp_path):
    """use_fact_cache: the facts AWX holds are written in, and come back with their names and bytes."""
    job = AwxJob(inventory=TWO_LOCAL, survey_answers={"answer": "x"}, use_fact_cache=True, facts={"web1": {"old_fact": 1}})
    ours, theirs = _both(tmp_path, job)
    assert ours.status == theirs.status == "successful"
    for side in ("ftl2-side", "ansible-side"):
        returned = tmp_path / side / f"{side.split('-')[0]}-controller" / "artifacts" / "42" / "fact_cache" / "web1"
        assert returned.read_text() == '{"old_fact": 1}'


@pytest.mark.skipif(sshd.SSHD is None, reason="openssh-server is not installed (.ci/run installs it)")
def test_machine_credential_key_with_passphrase_on_a_real_sshd(short_tmp):
    """The Machine credential: `ssh_key` kwarg (ssh-agent), its passphrase answered at `Enter passphrase`, `-u root`.

    In a short directory, as AWX's are (``/tmp/awx_42_xxxxxxxx``, ``/runner``): with a data dir as
    long as pytest's, the stock ansible-runner worker hangs at the passphrase prompt too.
    """
    tmp_path = short_tmp
    plain = sshd.keygen(tmp_path / "plain_key")
    (server,) = sshd.start_servers(tmp_path / "sshd", 1, plain)
    try:
        locked = tmp_path / "locked_key"
        locked.write_bytes(plain.read_bytes())
        locked.chmod(0o600)
        subprocess.run(["ssh-keygen", "-q", "-p", "-P", "", "-N", "s3cret phrase", "-f", str(locked)], check=True)
        hostvars = {"ansible_host": "127.0.0.1", "ansible_port": server.port, "ansible_python_interpreter": "/usr/bin/python3"}
        job = AwxJob(
            inventory=Inventory(hosts={"remote1": hostvars}),
            survey_answers={"answer": "x"},
            machine=MachineCredential(username="root", ssh_key_data=locked.read_text(), ssh_key_unlock="s3cret phrase"),
            job_tags="echo",
        )
        env = worker_env(ANSIBLE_HOST_KEY_CHECKING="False", HOME=str(tmp_path / "home"))
        outcomes = []
        for side, content in (("ftl2", SCRIPT), ("ansible", PLAYBOOK)):
            # Where /runner paths resolve: ansible-core's ssh makes its ANSIBLE_SSH_CONTROL_PATH_DIR (/runner/cp).
            worker_dir = tmp_path / f"{side}-worker"
            built = build_job(replace(job, project={"site.yml": content}, container_root=str(worker_dir)), tmp_path / side)
            outcomes.append(run_awx_job(built, tmp_path / side, side, env=env, worker_dir=worker_dir))
        ours, theirs = outcomes
    finally:
        server.stop()
    assert ours.status == theirs.status == "successful", ours.text()
    assert _results(ours) == _results(theirs) == [("runner_on_ok", "echo", "remote1")]
    assert ours.report["statuses"][0]["command"][0] == "ssh-agent"
    assert _secret_count(ours, b"s3cret phrase") == 0
