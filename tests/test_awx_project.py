"""examples/awx-project as AWX sees it: what its project scan lists, and each listed file run as AWX runs it.

The discovery rule below is AWX's (``awx/main/utils/ansible.py``: ``skip_directory`` and
``could_be_playbook``), written from its documented behaviour: a ``.yml``/``.yaml`` file is
listed when one of its lines matches the regex, or its first line starts ``$ANSIBLE_VAULT;``;
paths with an element ``roles``/``tasks``/``group_vars``/``host_vars`` or starting with ``.``
are skipped. Each listed file is then sent with the kwargs AWX builds (``playbook`` relative
to ``project/``, an int ``ident``, ``envvars`` with AWX's job variables, ``inventory`` as the
executable ``inventory/hosts`` script, ``env/settings`` and ``env/extravars`` files) through
the real ``ftl2-runner worker`` and ``ftl2-runner process``, and must end ``successful``.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from streams import FTL2_RUNNER, process, run_worker, worker_env

from compat.awx_jobs import AwxJob, BuiltJob, build_job

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "examples" / "awx-project"
BAKED_SCRIPT = REPO / "ee" / "files" / "main.py"

_PLAYBOOK_LINE = re.compile(r"^\s*?-?\s*?(?:hosts|include|import_playbook):\s*?.*?$")
_SKIPPED_DIRS = {"roles", "tasks", "group_vars", "host_vars"}


def awx_could_be_playbook(path: Path) -> bool:
    if path.suffix not in (".yml", ".yaml"):
        return False
    text = path.read_bytes().decode("utf-8", errors="ignore")
    lines = text.splitlines()
    if lines and lines[0].startswith("$ANSIBLE_VAULT;"):
        return True
    return any(_PLAYBOOK_LINE.match(line) for line in lines)


def awx_playbook_files(project: Path) -> list[str]:
    """What AWX offers as a job template's playbook, relative to the project root."""
    listed = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if any(part in _SKIPPED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path.is_file() and not path.name.startswith(".") and awx_could_be_playbook(path):
            listed.append(str(relative))
    return listed


def test_discovery_rule_matches_awx_on_known_cases(tmp_path):
    """The rule as written above: a check of the oracle itself, on the cases AWX's code distinguishes."""
    files = {
        "site.yml": "- hosts: all\n  tasks: []\n",
        "python.yml": "hosts: all\nasync def run(i, e, r):\n    return 0\n",
        "imports.yaml": "- import_playbook: other.yml\n",
        "vaulted.yml": "$ANSIBLE_VAULT;1.1;AES256\n6162\n",
        "vars_only.yml": "greeting: hello\n",
        "main.py": "hosts: all\n",
        "roles/r/tasks/main.yml": "- hosts: all\n",
        "group_vars/all.yml": "hosts: all\n",
        ".github/ci.yml": "hosts: all\n",
        "sub/deep.yml": "  - hosts: web\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert awx_playbook_files(tmp_path) == ["imports.yaml", "python.yml", "site.yml", "sub/deep.yml", "vaulted.yml"]


def test_awx_lists_the_example_projects_scripts_and_launchers():
    assert awx_playbook_files(PROJECT) == ["baked.yml", "deploy.yml", "site.yml"]
    from ftl2_runner.intake.playbook_kind import LAUNCHER, PYTHON, playbook_kind

    assert playbook_kind(str(PROJECT / "site.yml")) == PYTHON  # a `hosts: all` first line is valid Python
    assert playbook_kind(str(PROJECT / "baked.yml")) == LAUNCHER
    assert playbook_kind(str(PROJECT / "deploy.yml")) == LAUNCHER


JOB_ID = 4242


def _awx_job(tmp_path: Path, playbook: str, marker_dir: Path | None) -> BuiltJob:
    """The job AWX's RunJob writes for a template naming ``playbook`` (compat/awx_jobs.py), with AWX's defaults.

    ``marker_dir`` as a launch-time extra var (tagged !unsafe, as AWX writes it), or none: the
    first launch of a template that sets no variables.
    """
    extra_vars = {"marker_dir": str(marker_dir)} if marker_dir is not None else {}
    return build_job(AwxJob(id=JOB_ID, project=PROJECT, playbook=playbook, extra_vars=extra_vars), tmp_path / "controller-isolation")


def _awx_transmit(built: BuiltJob) -> bytes:
    """AWX's side of the transmit: ansible_runner's Python API, as AWXReceptorJob calls it."""
    import ansible_runner

    buffer = io.BytesIO()
    buffer.name = "transmit"
    ansible_runner.run(streamer="transmit", _output=buffer, private_data_dir=str(built.private_data_dir), **built.kwargs)
    return buffer.getvalue()


def _cli_transmit(built: BuiltJob) -> bytes:
    """The same job through the real `ftl2-runner transmit` console script (envvars and passwords as env/ files)."""
    pdd, kwargs = built.private_data_dir, built.kwargs
    (pdd / "env" / "envvars").write_text(json.dumps(kwargs["envvars"]))
    (pdd / "env" / "passwords").write_text(json.dumps(kwargs["passwords"]))
    done = subprocess.run(
        [FTL2_RUNNER, "transmit", str(pdd), "-p", kwargs["playbook"], "--ident", str(kwargs["ident"]), "--inventory", kwargs["inventory"]],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def _run_as_awx(tmp_path: Path, playbook: str, transmit_with: str, first_launch: bool = False) -> tuple:
    marker_dir = tmp_path / "markers"
    if not first_launch:
        marker_dir.mkdir()
    built = _awx_job(tmp_path, playbook, None if first_launch else marker_dir)
    runner_dir = tmp_path / "runner"
    stream = _awx_transmit(built) if transmit_with == "awx-api" else _cli_transmit(built)
    # TMPDIR: the examples' default marker directory (tempfile.gettempdir()/ftl2-awx-example) stays in the test's.
    env = worker_env(FTL2_SCRIPT=str(BAKED_SCRIPT), HOME=str(tmp_path / "home"), TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    run = run_worker(stream, runner_dir, env=env)
    # The controller side, twice: the real `ftl2-runner process` and ansible-runner's Processor as AWX drives it.
    controller = tmp_path / "controller"
    done = subprocess.run(
        [FTL2_RUNNER, "process", str(controller), "--ident", str(JOB_ID)], input=run.stdout, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    assert (controller / "artifacts" / str(JOB_ID) / "status").read_text() == "successful", run.text()
    processed = process(run.stdout, tmp_path / "awx", str(JOB_ID))
    return run, processed, marker_dir if not first_launch else tmp_path / "tmp" / "ftl2-awx-example"


@pytest.mark.parametrize("playbook", awx_playbook_files(PROJECT))
def test_every_listed_file_runs_green_on_a_first_launch(tmp_path, playbook):
    """AWX's defaults and no extra vars: the markers go to a directory that does not exist yet."""
    run, processed, marker_dir = _run_as_awx(tmp_path, playbook, "awx-api", first_launch=True)
    assert run.final_status == "successful" and processed.status == "successful", run.text()
    if playbook == "site.yml":
        assert (marker_dir / "site-ran").is_file()
    elif playbook == "deploy.yml":
        assert (marker_dir / "release").read_text() == "1.0\n"


@pytest.mark.parametrize("transmit_with", ["awx-api", "cli"])
@pytest.mark.parametrize("playbook", awx_playbook_files(PROJECT))
def test_every_listed_file_runs_green_as_awx_sends_it(tmp_path, playbook, transmit_with):
    run, processed, marker_dir = _run_as_awx(tmp_path, playbook, transmit_with)
    assert run.final_status == "successful" and processed.status == "successful", run.text()
    assert run.statuses[0]["runner_ident"] == str(JOB_ID)
    assert "ftl2_runner.executor" in " ".join(run.statuses[0]["command"])  # never ansible-playbook
    events = processed.events
    assert {e["event_data"].get("playbook") for e in events if e.get("event_data", {}).get("playbook")} == {playbook}
    assert all(e.get("job_id") == JOB_ID for e in events if e["event"].startswith(("playbook_on", "runner_on")))
    hosts = {e["event_data"]["host"] for e in events if e["event"] == "runner_on_ok"}
    assert hosts == {"localhost"}
    text = run.text()
    if playbook == "site.yml":
        assert "PLAY [all]" in text and "Phase 1 complete" in text
        assert (marker_dir / "site-ran").is_file()
        progress = next(e for e in events if e["event_data"].get("custom_event") == "custom_progress")
        assert progress["event"] == "verbose" and progress["stdout"] == "Phase 1 complete"
        assert progress["event_data"]["phase"] == 1 and progress["event_data"]["message"] == "Phase 1 complete"
    elif playbook == "baked.yml":
        assert "PLAY [FTL2 baked-in script]" in text and "TASK [kernel]" in text
        assert any(e["event_data"].get("task_path", "").startswith(str(BAKED_SCRIPT)) for e in events)
    elif playbook == "deploy.yml":
        assert (marker_dir / "release").read_text() == "1.0\n"  # the launcher's var, as a default
        assert "TASK [record release 1.0]" in text and "TASK [show the release]" in text
    else:
        pytest.fail(f"AWX lists {playbook}, which this test does not know")
