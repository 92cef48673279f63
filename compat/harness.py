"""Runs one case through real ansible-runner and through ftl2-runner, and compares the streams."""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import allowances, normalize

CASES_DIR = Path(__file__).resolve().parent / "cases"
IDENT = "compat"
PLAYBOOK_NAME = "site.yml"
WORKER_TIMEOUT = 300


@dataclass
class Case:
    name: str
    path: Path
    transmit_kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    http_server: bool = False  # serve www/ on 127.0.0.1 for both sides (compat/http_fixture.py)
    sshd: bool = False  # a real sshd on 127.0.0.1: the inventory's {ssh_port} and {ssh_key} are filled in
    private_accounts: bool = False  # both workers (and with sshd, each side its own sshd) see a throw-away /etc
    awx: dict[str, Any] | None = None  # a job built as AWX builds it (compat/awx_jobs.py), not a hand-made data dir
    # both workers run with HOME the account's home: ansible-core's local async job writes under $HOME but its
    # async_status looks under the account's home, and fails ("could not find job") where they differ (a CI job)
    account_home: bool = False
    # seconds the whole case may take in tests/test_compat.py (both sides; pytest's default is 300)
    timeout: int = 300

    @classmethod
    def load(cls, path: Path) -> Case:
        meta: dict[str, Any] = {}
        if (path / "case.yml").exists():
            meta = yaml.safe_load((path / "case.yml").read_text()) or {}
        return cls(
            path.name,
            path,
            meta.get("transmit", {}) or {},
            meta.get("description", ""),
            bool(meta.get("http_server")),
            bool(meta.get("sshd")),
            bool(meta.get("private_accounts")),
            meta.get("awx"),
            bool(meta.get("account_home")),
            int(meta.get("timeout", 300)),
        )


class CaseSkipped(Exception):
    """A case this machine cannot run (the reason is the message)."""


def all_cases() -> list[Case]:
    return [Case.load(p) for p in sorted(CASES_DIR.iterdir()) if (p / "playbook.yml").exists()]


@dataclass
class SideResult:
    stream: bytes
    stderr: bytes
    rc: int
    seconds: float
    data_dir: str


@dataclass
class Comparison:
    case: Case
    reference: SideResult
    ftl2: SideResult
    ref_lines: list[str]
    ftl2_lines: list[str]
    events: int

    @property
    def diff(self) -> list[str]:
        return list(difflib.unified_diff(self.ref_lines, self.ftl2_lines, "ansible-runner", "ftl2-runner", n=2, lineterm=""))

    @property
    def differing_lines(self) -> int:
        matcher = difflib.SequenceMatcher(a=self.ref_lines, b=self.ftl2_lines, autojunk=False)
        return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")

    def side_by_side(self, width: int = 78) -> list[str]:
        matcher = difflib.SequenceMatcher(a=self.ref_lines, b=self.ftl2_lines, autojunk=False)
        out = [f"{'ansible-runner':<{width}} | ftl2-runner"]
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            left, right = self.ref_lines[i1:i2], self.ftl2_lines[j1:j2]
            for index in range(max(len(left), len(right))):
                a = left[index] if index < len(left) else ""
                b = right[index] if index < len(right) else ""
                out.append(f"{a[:width]:<{width}} | {b[:width]}")
            out.append("-" * (2 * width + 3))
        return out


def _awx_job(case: Case, root: Path, content: str, inventory_values: dict[str, str], worker_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The case's job as AWX writes it: the private data dir and the transmit kwargs."""
    import json

    from .awx_jobs import build_job, job_from_mapping

    spec = json.loads(_filled(json.dumps(case.awx), inventory_values))
    project = {PLAYBOOK_NAME: (case.path / content).read_text()}
    if (case.path / "files").is_dir():
        for path in (case.path / "files").rglob("*"):
            if path.is_file():
                project[f"files/{path.relative_to(case.path / 'files')}"] = path.read_text()
    # A job of the `ansible-runner` worktype outside an EE: the files AWX names under /runner are the worker's.
    spec.setdefault("container_root", str(worker_dir))
    built = build_job(job_from_mapping(spec, project=project, playbook=PLAYBOOK_NAME), root / "source")
    return built.private_data_dir, built.kwargs


def _filled(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def _data_dir(case: Case, root: Path, content: str, inventory_values: dict[str, str] | None = None) -> Path:
    pdd = root / "source"
    (pdd / "project").mkdir(parents=True)
    shutil.copyfile(case.path / content, pdd / "project" / PLAYBOOK_NAME)
    (pdd / "inventory").mkdir()
    inventory = (case.path / "inventory").read_text()
    for name, value in (inventory_values or {}).items():
        inventory = inventory.replace("{" + name + "}", value)
    (pdd / "inventory" / "hosts").write_text(inventory)
    if (case.path / "env").is_dir():
        shutil.copytree(case.path / "env", pdd / "env")
    if (case.path / "files").is_dir():  # template sources and other files the tasks read
        shutil.copytree(case.path / "files", pdd / "project" / "files")
    if (case.path / "project").is_dir():  # beside the playbook: group_vars/, host_vars/, templates/, vars/
        shutil.copytree(case.path / "project", pdd / "project", dirs_exist_ok=True)
        config = pdd / "project" / "ansible.cfg"  # the project's ansible.cfg may name the sshd's port and key
        if config.is_file():
            config.write_text(_filled(config.read_text(), inventory_values or {}))
    if (case.path / "inventory_vars").is_dir():  # beside the inventory: its group_vars/ and host_vars/
        shutil.copytree(case.path / "inventory_vars", pdd / "inventory", dirs_exist_ok=True)
    return pdd


@contextlib.contextmanager
def _sshd(root: Path, accounts_scratch: Path | None = None) -> Any:
    """A real sshd on 127.0.0.1 for a remote case; yields the values its inventory names.

    ``accounts_scratch``: the sshd (and every session it starts) runs where ``/etc`` is a throw-away
    overlay (compat/private_accounts.py), so a remote ``user``/``group`` case changes no real account.
    """
    from . import sshd

    if sshd.SSHD is None:
        raise RuntimeError("this case needs openssh-server (.ci/run installs it)")
    root.mkdir(parents=True)
    key = sshd.keygen(root / "client_key")
    wrapper: tuple[str, ...] = ()
    if accounts_scratch is not None:
        from .private_accounts import wrapped

        wrapper = tuple(wrapped([], accounts_scratch))
    (server,) = sshd.start_servers(root / "server", 1, key, wrapper=wrapper)
    try:
        yield {"ssh_port": str(server.port), "ssh_key": str(key)}
    finally:
        server.stop()


def _transmit(pdd: Path, case: Case, awx_kwargs: dict[str, Any] | None = None) -> bytes:
    import ansible_runner

    buffer = io.BytesIO()
    buffer.name = "transmit"  # upstream's stream_dir reads .name
    if awx_kwargs is not None:
        ansible_runner.run(streamer="transmit", _output=buffer, private_data_dir=str(pdd), **awx_kwargs)
        return buffer.getvalue()
    kwargs = dict(case.transmit_kwargs)
    if "module" not in kwargs:  # ad hoc cases name a module instead of a playbook
        kwargs["playbook"] = PLAYBOOK_NAME
    ansible_runner.run(streamer="transmit", _output=buffer, private_data_dir=str(pdd), ident=IDENT, **kwargs)
    return buffer.getvalue()


def _run_worker(command: list[str], stream: bytes, data_dir: Path, env: dict[str, str], accounts_scratch: Path | None = None) -> SideResult:
    argv = [*command, "worker", f"--private-data-dir={data_dir}"]
    if accounts_scratch is not None:
        from .private_accounts import wrapped

        argv = wrapped(argv, accounts_scratch)
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        input=stream,
        capture_output=True,
        env=env,
        timeout=WORKER_TIMEOUT,
    )
    return SideResult(done.stdout, done.stderr, done.returncode, time.perf_counter() - start, str(data_dir))


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV"))}
    env.update(TERM="xterm", FTL2_TELEMETRY="off")  # colour as under a real pty, for both tools
    for name in ("ANSIBLE_NOCOLOR", "ANSIBLE_FORCE_COLOR"):
        env.pop(name, None)
    return env


def run_case(case: Case, reference_bin: Path, allowance_ids: list[str] | None = None) -> Comparison:
    if allowance_ids is None:
        allowance_ids = allowances.documented_ids()
    if case.private_accounts:
        from .private_accounts import unavailable_reason, unchanged_accounts

        reason = unavailable_reason()
        if reason is not None:
            raise CaseSkipped(reason)
        with unchanged_accounts():
            return _run_case(case, reference_bin, allowance_ids)
    return _run_case(case, reference_bin, allowance_ids)


def _run_case(case: Case, reference_bin: Path, allowance_ids: list[str]) -> Comparison:
    with tempfile.TemporaryDirectory(prefix=f"compat-{case.name}-") as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        extra_env: dict[str, str] = {}
        if case.http_server:
            from .http_fixture import serving

            extra_env["COMPAT_HTTP_URL"] = stack.enter_context(serving(case.path / "www"))
        inventory_values: dict[str, dict[str, str]] = {"ref": {}, "ftl2": {}}
        if case.sshd and case.private_accounts:
            # Each side's own sshd, in its own throw-away /etc: both start from the same accounts, and what
            # one side leaves behind (a failed run) never reaches the other side or this machine.
            for side in inventory_values:
                inventory_values[side] = stack.enter_context(_sshd(root / f"sshd-{side}", root / f"{side}-sshd-accounts"))
        elif case.sshd:
            inventory_values["ref"] = inventory_values["ftl2"] = stack.enter_context(_sshd(root / "sshd"))
        if case.sshd:
            extra_env["ANSIBLE_HOST_KEY_CHECKING"] = "False"  # a fresh host key each run, for both tools
        if case.account_home:
            import pwd

            extra_env["HOME"] = pwd.getpwuid(os.getuid()).pw_dir
        ref_env = dict(_base_env(), **extra_env)
        ref_env["PATH"] = f"{reference_bin}{os.pathsep}{ref_env.get('PATH', '')}"
        ref_env["ANSIBLE_PYTHON_INTERPRETER"] = str(reference_bin / "python")
        streams = {}
        # The FTL2 side is script.py, or script.yml when it is a launcher (a YAML play naming a script in files/).
        ftl2_content = "script.yml" if (case.path / "script.yml").exists() else "script.py"
        for side, content in (("ref", "playbook.yml"), ("ftl2", ftl2_content)):
            if case.awx is not None:
                pdd, kwargs = _awx_job(case, root / side, content, inventory_values[side], root / f"{side}-worker")
                streams[side] = _transmit(pdd, case, kwargs)
            else:
                streams[side] = _transmit(_data_dir(case, root / side, content, inventory_values[side]), case)
        reference = _run_worker(
            [str(reference_bin / "ansible-runner")], streams["ref"], root / "ref-worker", ref_env, _scratch(case, root, "ref")
        )
        ours = Path(sys.executable).parent / "ftl2-runner"
        ftl2 = _run_worker([str(ours)], streams["ftl2"], root / "ftl2-worker", dict(_base_env(), **extra_env), _scratch(case, root, "ftl2"))

        ref_records = _prepare(reference, allowance_ids)
        ftl2_records = _prepare(ftl2, allowance_ids)
        events = sum(1 for r in ref_records if "event" in r)
        return Comparison(case, reference, ftl2, normalize.render(ref_records), normalize.render(ftl2_records), events)


def _scratch(case: Case, root: Path, side: str) -> Path | None:
    """Where one side's writes to /etc go in a private_accounts case (None: the real /etc)."""
    return root / f"{side}-accounts" if case.private_accounts else None


def _prepare(side: SideResult, allowance_ids: list[str]) -> list[normalize.Record]:
    records = normalize.parse_stream(side.stream)
    records = normalize.drop_keepalives(records)
    records = allowances.apply(records, allowance_ids)
    records = normalize.sort_host_results(records)
    records = normalize.mask(records, [side.data_dir, os.path.realpath(side.data_dir)])
    records.append({"worker_exit_code": side.rc})
    if side.stderr:
        records.append({"worker_stderr": side.stderr.decode("utf-8", "replace")})
    return records
