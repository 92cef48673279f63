"""An AWX job builder: the private data dir and transmit kwargs AWX writes, byte for byte.

Tests and compat cases that model "a job from AWX" build it here, from the settings a job
template, a launch and AWX's own configuration have, instead of writing files by hand.
What is written follows ``shared/reference/awx-and-receptor.md`` §7 (AWX ``e21dd0a093``,
from AWX's source and observed with ansible-runner 2.4.3 / ansible-core 2.21.5); nothing of
AWX's code is used. The parts:

* ``env/extravars`` (§7.2): AWX's ``safe_dump`` — one ``dump_all([{key: value}])`` per
  top-level key in insertion order; a key stays plain only when the job template's extra
  vars hold the same value (``ALLOW_JINJA_IN_EXTRA_VARS='template'``, AWX's default);
  otherwise every string, keys included, at any depth, is ``!unsafe '...'``. ``'never'``
  tags everything, ``'always'`` is a plain ``yaml.safe_dump`` (sorted keys). The meta vars
  (``awx_*``/``tower_*``) come last. Survey password answers are in clear text.
* ``env/cmdline`` (§7.3): ansible-playbook's flags in AWX's order, shell-quoted, no newline;
  ``-e @/runner/env/tmpXXXXXXXX`` from custom credentials (files mode 0400).
* ``env/settings`` (§7.5), kwargs ``envvars`` (§7.6), ``passwords`` (§7.7, ~30 regex → answer
  pairs), ``ssh_key`` (§7.8), ``inventory/hosts`` as a mode-0700 ``#! /usr/bin/env python3``
  script printing AWX's JSON (§7.9), ``project/``, ``cp/`` (§7.10), the fact cache going in
  (§7.11).
* Job types (§7.13): a playbook job, an ad hoc command, a project update and an inventory update.

``container_root`` is where the data dir is when the job runs: ``/runner`` as AWX writes it
(an execution environment or a container group mounts it there); a test that runs the
worker elsewhere may name that place instead, as a stand-in for the mount.

Use: ``built = build_job(AwxJob(...), root)``; then ``built.private_data_dir`` and
``built.kwargs`` go to ``ansible_runner.run(streamer="transmit", **built.kwargs)`` (as
``AWXReceptorJob`` calls it), e.g. through ``tests/awx_transmit.py`` with the stock
ansible-runner of the compat reference environment.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONTAINER_ROOT = "/runner"
BECOME_METHODS = ("sudo", "su", "pbrun", "pfexec", "dzdo", "pmrun", "runas", "enable", "doas", "ksu", "machinectl", "sesu")
INVENTORY_SCRIPT = "#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n"
ALLOW_JINJA = ("template", "never", "always")


# --- AWX's safe_dump ---------------------------------------------------------------------------


class _UnsafeDumper(yaml.SafeDumper):
    """Every string, keys included, as ``!unsafe '<text>'`` (the emitter picks double quotes where needed)."""


def _represent_unsafe(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("!unsafe", value, style="'")


_UnsafeDumper.add_representer(str, _represent_unsafe)


def safe_dump(variables: dict[str, Any], safe_dict: dict[str, Any] | None = None) -> str:
    """AWX's ``safe_dump`` byte format (§7.2): per top-level key, plain only if ``safe_dict`` holds the same value."""
    safe_dict = safe_dict or {}
    out = []
    for key, value in variables.items():
        dumper = yaml.SafeDumper if key in safe_dict and safe_dict[key] == value else _UnsafeDumper
        out.append(yaml.dump_all([{key: value}], Dumper=dumper, default_flow_style=False))
    return "".join(out)


def extravars_text(variables: dict[str, Any], allow_jinja: str = "template", safe_dict: dict[str, Any] | None = None) -> str:
    """``env/extravars`` as ``_write_extra_vars_file`` writes it for ``ALLOW_JINJA_IN_EXTRA_VARS``."""
    if allow_jinja not in ALLOW_JINJA:
        raise ValueError(f"ALLOW_JINJA_IN_EXTRA_VARS is one of {ALLOW_JINJA}, not {allow_jinja!r}")
    if allow_jinja == "always":
        return yaml.safe_dump(variables)
    return safe_dump(variables, safe_dict if allow_jinja == "template" else None)


# --- what a job has --------------------------------------------------------------------------


@dataclass
class Group:
    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass
class Inventory:
    """An AWX inventory: its hosts (name → variables, ids given in order), groups and variables."""

    hosts: dict[str, dict[str, Any]] = field(default_factory=lambda: {"localhost": {"ansible_connection": "local"}})
    groups: dict[str, Group] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    id: int = 3
    name: str = "Demo Inventory"
    first_host_id: int = 100

    def host_id(self, name: str) -> int:
        return self.first_host_id + list(self.hosts).index(name)

    def script_data(self, slice_number: int = 1, slice_count: int = 1) -> dict[str, Any]:
        """``Inventory.get_script_data(hostvars=True, towervars=True[, slice])`` (§7.9)."""
        hosts = sorted(self.hosts)
        if slice_count > 1:
            hosts = hosts[slice_number - 1 :: slice_count]
        grouped = {h for group in self.groups.values() for h in group.hosts}
        data: dict[str, Any] = {"all": {}}
        if self.vars:
            data["all"]["vars"] = self.vars
        data["all"]["hosts"] = [h for h in hosts if h not in grouped]
        if self.groups:
            data["all"]["children"] = sorted(self.groups)
        for name in sorted(self.groups):
            group = self.groups[name]
            body: dict[str, Any] = {}
            members = [h for h in hosts if h in group.hosts]
            if members:
                body["hosts"] = members
            if group.children:
                body["children"] = list(group.children)
            if group.vars:
                body["vars"] = group.vars
            if body:
                data[name] = body
        hostvars = {}
        for host in hosts:
            variables = dict(self.hosts[host])
            ident = self.host_id(host)
            variables.update(remote_host_enabled="true", remote_host_id=ident, remote_tower_enabled="true", remote_tower_id=ident)
            hostvars[host] = variables
        data["_meta"] = {"hostvars": hostvars}
        return data

    def script(self, slice_number: int = 1, slice_count: int = 1) -> str:
        return INVENTORY_SCRIPT % json.dumps(self.script_data(slice_number, slice_count))


@dataclass
class MachineCredential:
    """A Machine (``ssh``) credential's inputs (§7.12)."""

    username: str = ""
    password: str = ""
    ssh_key_data: str = ""
    ssh_key_unlock: str = ""
    ssh_public_key_data: str = ""
    become_method: str = ""
    become_username: str = ""
    become_password: str = ""


@dataclass
class VaultCredential:
    vault_password: str
    vault_id: str = ""


@dataclass
class CustomCredential:
    """A custom credential type's rendered injectors: ``extra_vars`` (a 0400 ``env/tmp*`` file) and ``env``."""

    extra_vars: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    file_name: str = ""  # the env/tmpXXXXXXXX name; random (mkstemp) unless given


@dataclass
class SurveyQuestion:
    variable: str
    type: str = "text"  # "password" answers are written in clear text, tagged like any answer
    default: Any = None


@dataclass
class AwxJob:
    """One launch. ``kind``: ``job`` (a job template), ``adhoc``, ``project_update``, ``inventory_update``."""

    kind: str = "job"
    id: int = 42
    project: dict[str, str] | Path = field(default_factory=dict)  # relative path → text, or a directory to copy
    playbook: str = "site.yml"
    inventory: Inventory = field(default_factory=Inventory)
    allow_jinja: str = "template"  # AWX's ALLOW_JINJA_IN_EXTRA_VARS (its default: 'template')
    job_template_extra_vars: dict[str, Any] = field(default_factory=dict)
    survey: list[SurveyQuestion] = field(default_factory=list)
    survey_answers: dict[str, Any] = field(default_factory=dict)
    extra_vars: dict[str, Any] = field(default_factory=dict)  # launch-time
    job_type: str = "run"  # or "check"
    limit: str = ""
    verbosity: int = 0
    job_tags: str = ""
    skip_tags: str = ""
    start_at_task: str = ""
    forks: int = 0
    diff_mode: bool = False
    become_enabled: bool = False
    force_handlers: bool = False
    job_slice_number: int = 0
    job_slice_count: int = 1
    timeout: int = 0
    idle_timeout: int = 0
    machine: MachineCredential | None = None
    vaults: list[VaultCredential] = field(default_factory=list)
    custom: list[CustomCredential] = field(default_factory=list)
    use_fact_cache: bool = False
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # host → facts AWX holds
    module_name: str = "command"  # ad hoc
    module_args: str = ""
    launch_type: str = "manual"
    user: tuple[int, str, str, str, str] | None = (1, "admin", "admin@example.com", "", "")
    job_template: tuple[int, str] = (7, "Demo Job Template")
    project_revision: str = "347e44fea036c94d5f60e544de006453ee5c71ad"
    project_scm_branch: str = ""
    execution_node: str = "exec1"
    workflow: tuple[int, str] | None = None  # (id, name); a sliced job always has one
    container_root: str = CONTAINER_ROOT
    controller_base: str = "/tmp"  # AWX_ISOLATION_BASE_PATH on the controller
    task_env: dict[str, str] = field(default_factory=dict)  # AWX_TASK_ENV
    inventory_source_path: str = "inventory.ini"  # inventory update: an SCM source file of the project


@dataclass
class BuiltJob:
    private_data_dir: Path
    kwargs: dict[str, Any]
    extravars: dict[str, Any]  # the values written to env/extravars (before tagging)


# --- building ---------------------------------------------------------------------------------


def _write(path: Path, text: str | bytes, mode: int = 0o600) -> None:
    """``write_private_data_file``: missing directories 0700, the file with ``mode``."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    path.chmod(mode)


def _in_container(job: AwxJob, relative: str) -> str:
    return f"{job.container_root.rstrip('/')}/{relative}"


def meta_vars(job: AwxJob) -> dict[str, Any]:
    """``awx_meta_vars()`` (§7.2.1): each group once with ``awx_``, then with ``tower_``."""
    groups: list[list[tuple[str, Any]]] = [[("job_id", job.id), ("job_launch_type", job.launch_type)]]
    if job.workflow:
        groups.append(
            [("workflow_job_id", job.workflow[0]), ("workflow_job_name", job.workflow[1]), ("workflow_job_launch_type", "manual")]
        )
    if job.user:
        user_id, name, email, first, last = job.user
        groups.append(
            [("user_id", user_id), ("user_name", name), ("user_email", email), ("user_first_name", first), ("user_last_name", last)]
        )
    groups.append([("inventory_id", job.inventory.id), ("inventory_name", job.inventory.name)])
    if job.kind == "job":
        groups.append([("project_revision", job.project_revision), ("project_scm_branch", job.project_scm_branch)])
        groups.append([("job_template_id", job.job_template[0]), ("job_template_name", job.job_template[1])])
        if job.execution_node:
            groups.append([("execution_node", job.execution_node)])
    out: dict[str, Any] = {}
    for group in groups:
        for prefix in ("awx", "tower"):
            for name, value in group:
                out[f"{prefix}_{name}"] = value
    return out


def job_extra_vars(job: AwxJob) -> dict[str, Any]:
    """JT extra vars → survey defaults and answers → launch vars → meta vars, as AWX merges them."""
    if job.kind == "project_update":
        return project_update_vars(job)
    variables: dict[str, Any] = dict(job.job_template_extra_vars) if job.kind == "job" else {}
    for question in job.survey:
        if question.default is not None:
            variables[question.variable] = question.default
    variables.update(job.survey_answers)
    variables.update(job.extra_vars)
    variables.update(meta_vars(job))
    return variables


def project_update_vars(job: AwxJob) -> dict[str, Any]:
    """A git project update's extra vars (§7.2.3)."""
    local_path = f"_8__{job.job_template[1].lower().replace(' ', '_')}"
    return {
        "projects_root": "/var/lib/awx/projects",
        "local_path": local_path,
        "project_path": f"/var/lib/awx/projects/{local_path}",
        "insights_url": "https://example.org",
        "awx_license_type": "open",
        "awx_version": "24.6.2",
        "scm_url": "https://github.com/ansible/ansible-tower-samples",
        "scm_branch": "HEAD",
        "scm_clean": False,
        "scm_track_submodules": False,
        "roles_enabled": True,
        "collections_enabled": True,
        "galaxy_task_env": {"ANSIBLE_FORCE_COLOR": "false", "GIT_SSH_COMMAND": "ssh -o StrictHostKeyChecking=no"},
    }


def cmdline_args(job: AwxJob) -> list[str]:
    """``build_args`` (§7.3), before credential injectors append their ``-e @file``."""
    machine = job.machine or MachineCredential()
    if job.kind == "project_update":
        return ["-t", job.job_tags or "update_git,install_roles,install_collections"]
    args = ["--check"] if job.job_type == "check" else []
    args += ["-u", machine.username or "root"]
    if machine.password:
        args.append("--ask-pass")
    if job.kind == "adhoc":
        if job.become_enabled:
            args.append("--become")
        if machine.become_method:
            args += ["--become-method", machine.become_method]
        if machine.become_username:
            args += ["--become-user", machine.become_username]
        if machine.become_password:
            args.append("--ask-become-pass")
        if job.forks > 0:
            args.append(f"--forks={job.forks}")
        if job.diff_mode:
            args.append("--diff")
        if job.verbosity:
            args.append("-" + "v" * min(5, job.verbosity))
        return [*args, job.limit or "all"]
    if job.become_enabled:
        args.append("--become")
    if job.diff_mode:
        args.append("--diff")
    if machine.become_method:
        args += ["--become-method", machine.become_method]
    if machine.become_username:
        args += ["--become-user", machine.become_username]
    if machine.become_password:
        args.append("--ask-become-pass")
    for vault in job.vaults:
        args += ["--vault-id", f"{vault.vault_id}@prompt"] if vault.vault_id else ["--ask-vault-pass"]
    if job.forks > 0:
        args.append(f"--forks={min(job.forks, 200)}")
    if job.force_handlers:
        args.append("--force-handlers")
    if job.limit:
        args += ["-l", job.limit]
    if job.verbosity:
        args.append("-" + "v" * min(5, job.verbosity))
    if job.job_tags:
        args += ["-t", job.job_tags]
    if job.skip_tags:
        args.append(f"--skip-tags={job.skip_tags}")
    if job.start_at_task:
        args.append(f"--start-at-task={job.start_at_task}")
    return args


def passwords(job: AwxJob) -> dict[str, str]:
    """The ``passwords`` kwarg (§7.7): every prompt regex AWX expects, with its answer or ``''``."""
    machine = job.machine or MachineCredential()
    if job.kind == "project_update":
        return {
            r"Username for.*:\s*?$": "",
            r"Password for.*:\s*?$": "",
            r"Password:\s*?$": "",
            r"\S+?@\S+?'s\s+?password:\s*?$": "",
            r"Enter passphrase for .*:\s*?$": "",
            r"Bad passphrase, try again for .*:\s*?$": "",
            r"^Are you sure you want to continue connecting \(yes/no\)\?\s*?$": "yes",
        }
    answers = {r"Enter passphrase for .*:\s*?$": machine.ssh_key_unlock, r"Bad passphrase, try again for .*:\s*?$": ""}
    for method in BECOME_METHODS:
        answers[method + r" password.*:\s*?$"] = machine.become_password
        answers[method.upper() + r" password.*:\s*?$"] = machine.become_password
    answers[r"BECOME password.*:\s*?$"] = machine.become_password
    answers[r"SSH password:\s*?$"] = machine.password
    answers[r"Password:\s*?$"] = machine.password
    if job.kind == "job":
        default_vault = next((v.vault_password for v in job.vaults if not v.vault_id), "")
        answers[r"Vault password:\s*?$"] = default_vault
        for vault in job.vaults:
            if vault.vault_id:
                answers[rf"Vault password \({vault.vault_id}\):\s*?$"] = vault.vault_password
    return answers


def envvars(job: AwxJob, pdd_on_controller: str) -> dict[str, str]:
    """The ``envvars`` kwarg (§7.6), in AWX's order, before credential env vars."""
    env = {
        "ANSIBLE_FORCE_COLOR": "True",
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
        "ANSIBLE_PARAMIKO_RECORD_HOST_KEYS": "False",
    }
    env.update({k: str(v) for k, v in job.task_env.items()})
    env["AWX_PRIVATE_DATA_DIR"] = pdd_on_controller
    root = job.container_root.rstrip("/")
    if job.kind == "job":
        env.update(
            JOB_ID=str(job.id),
            INVENTORY_ID=str(job.inventory.id),
            PROJECT_REVISION=job.project_revision,
            ANSIBLE_RETRY_FILES_ENABLED="False",
            MAX_EVENT_RES="700000",
            AWX_HOST="https://platformhost",
            ANSIBLE_SSH_CONTROL_PATH_DIR=f"{root}/cp",
            ANSIBLE_COLLECTIONS_PATHS=f"{root}/requirements_collections:~/.ansible/collections:/usr/share/ansible/collections",
            ANSIBLE_ROLES_PATH=f"{root}/requirements_roles:~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles",
            ANSIBLE_COLLECTIONS_PATH=f"{root}/requirements_collections:~/.ansible/collections:/usr/share/ansible/collections",
        )
    elif job.kind == "adhoc":
        env.update(
            AD_HOC_COMMAND_ID=str(job.id),
            INVENTORY_ID=str(job.inventory.id),
            INVENTORY_HOSTVARS="True",
            ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
            ANSIBLE_SFTP_BATCH_MODE="False",
        )
    elif job.kind == "project_update":
        env.update(
            ANSIBLE_RETRY_FILES_ENABLED="False",
            ANSIBLE_ASK_PASS="False",
            ANSIBLE_BECOME_ASK_PASS="False",
            DISPLAY="",
            TMP=job.controller_base,
            PROJECT_UPDATE_ID=str(job.id),
        )
    elif job.kind == "inventory_update":
        env.update(
            INVENTORY_SOURCE_ID="11",
            INVENTORY_UPDATE_ID=str(job.id),
            ANSIBLE_INVENTORY_UNPARSED_FAILED="True",
            ANSIBLE_INVENTORY_EXPORT="True",
            ANSIBLE_VERBOSE_TO_STDERR="True",
            ANSIBLE_HOST_PATTERN_MISMATCH="error",
        )
    return env


def _copy_project(job: AwxJob, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if isinstance(job.project, Path):
        shutil.copytree(job.project, target, ignore=shutil.ignore_patterns(".git"), symlinks=True, dirs_exist_ok=True)
        return
    for relative, text in job.project.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def build_job(job: AwxJob, root: Path) -> BuiltJob:
    """Write the job's private data dir under ``root`` (``awx_<id>_<random>``, 0700) and return it with its kwargs."""
    if job.kind not in ("job", "adhoc", "project_update", "inventory_update"):
        raise ValueError(f"unknown job kind {job.kind!r}")
    root.mkdir(parents=True, exist_ok=True)
    pdd = Path(tempfile.mkdtemp(prefix=f"awx_{job.id}_", dir=root))
    pdd.chmod(0o700)
    (pdd / "inventory").mkdir()
    (pdd / "env").mkdir()
    pdd_on_controller = os.path.join(job.controller_base, pdd.name)
    artifacts = pdd / "artifacts" / str(job.id)
    if job.kind == "job" and job.use_fact_cache:
        hosts = job.inventory.script_data(job.job_slice_number or 1, job.job_slice_count)["_meta"]["hostvars"]
        for host, facts in job.facts.items():
            if host in hosts:
                _write(artifacts / "fact_cache" / host, json.dumps(facts))
    if job.kind in ("job", "project_update"):
        _copy_project(job, pdd / "project")
    elif job.kind == "inventory_update":
        _copy_project(job, pdd / "project")
    else:
        (pdd / "project").mkdir()
    kwargs: dict[str, Any] = {"ident": job.id}
    machine = job.machine or MachineCredential()
    if job.kind in ("job", "adhoc") and machine.ssh_key_data:
        key = machine.ssh_key_data
        if "OPENSSH PRIVATE KEY" in key and not key.endswith("\n"):
            key += "\n"
        kwargs["ssh_key"] = key
        if machine.ssh_public_key_data:
            _write(artifacts / "ssh_key_data-cert.pub", machine.ssh_public_key_data)
    variables: dict[str, Any] = {}
    if job.kind != "inventory_update":
        variables = job_extra_vars(job)
        safe = job.job_template_extra_vars if job.kind == "job" else {}
        _write(pdd / "env" / "extravars", extravars_text(variables, job.allow_jinja, safe))
    env = envvars(job, pdd_on_controller)
    args = cmdline_args(job) if job.kind != "inventory_update" else []
    if job.kind == "job":
        (pdd / "cp").mkdir(mode=0o700)
        for credential in job.custom:
            if credential.extra_vars:
                if credential.file_name:
                    name = str(pdd / "env" / credential.file_name)
                    handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                else:
                    handle, name = tempfile.mkstemp(dir=pdd / "env")
                with os.fdopen(handle, "w") as out:
                    out.write(safe_dump(credential.extra_vars))
                os.chmod(name, 0o400)
                args += ["-e", "@" + _in_container(job, f"env/{os.path.basename(name)}")]
            env.update(credential.env)
    if job.kind == "inventory_update":
        source = _in_container(job, f"project/{job.inventory_source_path}")
        line = ["ansible-inventory", "--list", "--export", "-i", source]
        line += ["--output", _in_container(job, f"artifacts/{job.id}/output.json"), "--playbook-dir", os.path.dirname(source)]
        if job.verbosity:
            line.append("-" + "v" * min(5, job.verbosity * 2 + 1))
        _write(pdd / "args", " ".join(line))
    else:
        _write(pdd / "env" / "cmdline", " ".join(shlex.quote(a) for a in args))
    if job.kind in ("job", "adhoc"):
        _write(pdd / "inventory" / "hosts", job.inventory.script(job.job_slice_number or 1, job.job_slice_count), 0o700)
    settings: dict[str, Any] = {"job_timeout": max(job.timeout, 0), "suppress_ansible_output": True, "suppress_output_file": True}
    if job.kind == "adhoc":
        settings["job_timeout"] = 0
    if job.idle_timeout > 0:
        settings["idle_timeout"] = job.idle_timeout
    _write(pdd / "env" / "settings", json.dumps(settings))
    if job.kind == "job":
        kwargs["playbook"] = job.playbook
        kwargs["inventory"] = str(pdd / "inventory" / "hosts")
    elif job.kind == "adhoc":
        kwargs["inventory"] = str(pdd / "inventory" / "hosts")
        kwargs["module"] = job.module_name
        kwargs["module_args"] = job.module_args
    elif job.kind == "project_update":
        kwargs["playbook"] = job.playbook
        kwargs["inventory"] = "localhost,"  # runner's transmit writes it to inventory/hosts
    if job.kind != "inventory_update":
        kwargs["passwords"] = passwords(job)
    kwargs["suppress_env_files"] = True
    kwargs["envvars"] = env
    kwargs["fact_cache_type"] = "jsonfile" if job.kind == "job" and job.use_fact_cache else ""
    return BuiltJob(pdd, kwargs, variables)


def sliced(job: AwxJob, count: int) -> list[AwxJob]:
    """A sliced job template's launch: one job per slice, each spawned by a workflow (§7.9)."""
    from dataclasses import replace

    workflow = job.workflow or (job.id + 1000, job.job_template[1])
    return [
        replace(job, id=job.id + number - 1, job_slice_number=number, job_slice_count=count, workflow=workflow, launch_type="workflow")
        for number in range(1, count + 1)
    ]


def job_from_mapping(data: dict[str, Any], **overrides: Any) -> AwxJob:
    """An :class:`AwxJob` from plain data (a compat case's ``awx:`` mapping): nested parts by their field names."""
    fields = dict(data)
    inventory = fields.pop("inventory", None)
    if inventory is not None:
        groups = {name: Group(**body) for name, body in (inventory.get("groups") or {}).items()}
        fields["inventory"] = Inventory(**{**inventory, "groups": groups})
    if "machine" in fields:
        fields["machine"] = MachineCredential(**fields["machine"])
    fields["vaults"] = [VaultCredential(**v) for v in fields.get("vaults", [])]
    fields["custom"] = [CustomCredential(**c) for c in fields.get("custom", [])]
    fields["survey"] = [SurveyQuestion(**q) for q in fields.get("survey", [])]
    fields.update(overrides)
    return AwxJob(**fields)
