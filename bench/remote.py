"""Remote rows (issue 32): N inventory hosts served by one real sshd on 127.0.0.1.

AWX jobs run on remote hosts over SSH, so the R rows measure the same 5-task job (ping,
command, a shell pipe, a directory with ``file``, ``stat`` of it) on R10/R30/R100/R300 host
aliases of one OpenSSH server (key auth, ``MaxStartups``/``MaxSessions`` raised so that
neither side is refused, remote Python at ``/usr/bin/python3``), for every side:
ftl2-runner's worker, ansible-runner's worker on the equivalent playbook (forks 5, AWX's
default, and forks N), with Mitogen's strategy, and the bare FTL2 program.

The targets share this machine's CPUs, so each row reports separately what a real fleet
would see separately: the controller's CPU (the worker's process tree, from
``getrusage(RUSAGE_CHILDREN)``), the targets' CPU (the sshd listener's own and reaped
children's CPU: every connection's sshd, shells, gates and modules, read from
``/proc/<pid>/stat`` before and after the run, once its children are gone), and peak RSS.

``trace_rows`` runs ours and the bare program with ``bench/ssh_trace.py`` as ``sitecustomize``
and the sshd at ``LogLevel DEBUG1``: the client's timeline of each phase, its SFTP operations
and gate messages, and the server's counts of connections, channels, commands and subsystems.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compat import sshd

TICKS = os.sysconf("SC_CLK_TCK")

R_SCRIPT = """
async def run(inventory_path, extravars, runner):
    dest = extravars["dest"]
    at = lambda v: f"{dest}/{v.inventory_hostname}"
    async with runner.automation() as ftl:
        await ftl.targets.ping()
        await ftl.targets.command(cmd="echo hi")
        await ftl.targets.shell(cmd="echo hi | tr a-z A-Z")
        await ftl.targets.file(path=at, state="directory")
        await ftl.targets.stat(path=at)
    return 0
"""
R_PLAYBOOK = """
- hosts: targets
  gather_facts: false
  tasks:
    - ping:
    - command: echo hi
    - shell: echo hi | tr a-z A-Z
    - file:
        path: "{{ dest }}/{{ inventory_hostname }}"
        state: directory
    - stat:
        path: "{{ dest }}/{{ inventory_hostname }}"
"""
# The same five calls with FTL2 alone. FTL2's group ``shell`` runs on the group's first host
# only (docs/compat.md), so it goes through ``run_on``, as ftl2-runner's layer does.
R_BARE = """
import asyncio, os, sys
os.environ["FTL2_TELEMETRY"] = "off"
import ftl2

async def main(inventory, dest):
    async with ftl2.automation(inventory=inventory, quiet=True, log_file=None, state_file=None,
                               print_summary=False, print_errors=False) as ftl:
        hosts = ftl.hosts["targets"]
        await ftl.targets.ping()  # FTL2's group ping answers one value for the group, not a result per host
        results = []
        results += await ftl.targets.command(cmd="echo hi")
        results += await ftl.run_on(hosts, "shell", cmd="echo hi | tr a-z A-Z")
        for step in await asyncio.gather(*(ftl[h.name].file(path=f"{dest}/{h.name}", state="directory") for h in hosts)):
            results += step
        for step in await asyncio.gather(*(ftl[h.name].stat(path=f"{dest}/{h.name}") for h in hosts)):
            results += step
        failed = [r for r in results if not getattr(r, "success", True)]
        if failed or len(results) != 4 * len(hosts):
            print(f"{len(failed)} failed of {len(results)}: {failed[:1]}", file=sys.stderr)
            sys.exit(1)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""
TASKS = 5


def inventory(count: int, port: int, key: Path, bare: bool = False) -> str:
    """``count`` aliases of one sshd; the bare program's FTL2 reads its own key and host-key variables."""
    lines = ["[targets]"]
    for index in range(count):
        line = f"h{index:03d} ansible_host=127.0.0.1 ansible_port={port} ansible_user=root ansible_python_interpreter=/usr/bin/python3"
        if bare:
            line += f" ssh_private_key_file={key} disable_host_key_checking=true"
        else:
            line += f" ansible_ssh_private_key_file={key}"
        lines.append(line)
    return "\n".join(lines) + "\n"


@dataclass
class Target:
    """One sshd on 127.0.0.1 and the key that logs in to it as root."""

    root: Path
    key: Path
    server: sshd.SshServer
    log: Path | None

    @property
    def port(self) -> int:
        return self.server.port

    def _tree(self) -> list[int]:
        pids, frontier = [], [self.server.process.pid]
        while frontier:
            pid = frontier.pop()
            pids.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                        frontier += [int(child) for child in handle.read().split()]
            except OSError:
                pass
        return pids

    def cpu(self) -> float:
        """Seconds of CPU of sshd's whole tree, the dead included (``bench/subreaper.py`` reaps its orphans).

        Sums utime, stime, cutime and cstime over the live tree: a dead process's time is in the
        ``cutime`` of the one that reaped it, which is in the tree.
        """
        total = 0
        for pid in self._tree():
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(value) for value in fields[11:15])
        return total / TICKS

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until only the subreaper and the sshd listener are left (every connection's CPU then counts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self._tree()) > 2:
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.stop()


def start_target(root: Path, log: bool = False) -> Target:
    """One sshd serving every alias; ``log``: its DEBUG1 log into ``root/sshd.log``."""
    root.mkdir(parents=True, exist_ok=True)
    key = sshd.keygen(root / "client_key")
    log_file = root / "sshd.log" if log else None
    # SHLVL=1: bash, the account's login shell, sources ~/.bashrc for every command sshd runs unless
    # it is a nested shell; on this machine root's ~/.bashrc runs `pyenv init` (hundreds of ms of
    # CPU per SSH command) — a fleet's hosts run their commands without such a tax.
    extra = "MaxStartups 2000\nMaxSessions 2000\nSetEnv SHLVL=1\n"
    (server,) = sshd.start_servers(
        root / "server",
        1,
        key,
        extra_config=extra + ("LogLevel DEBUG1\n" if log else ""),
        log_file=log_file,
        wrapper=(sys.executable, str(Path(__file__).with_name("subreaper.py"))),
    )
    return Target(root, key, server, log_file)


# What the sshd's DEBUG1 log says per connection, channel, command and subsystem (OpenSSH 9).
_SERVER_MARKS = (
    ("connections", "Accepted publickey for "),
    ("channels", "server_input_channel_open: ctype session"),
    ("commands", "Starting session: command "),
    ("sftp_sessions", "Starting session: subsystem 'sftp'"),
    ("subsystems_refused", "subsystem not found"),
)


def server_counts(log: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for line in log.splitlines():
        for key, mark in _SERVER_MARKS:
            if mark in line:
                counts[key] += 1
                break
    return dict(counts)


def client_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The traced phases: per kind, how many, the seconds they took summed, and the span from first start to last end."""
    out: dict[str, Any] = {}
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_kind.setdefault(record["kind"], []).append(record)
    for kind, items in sorted(by_kind.items()):
        total = sum(r["end"] - r["start"] for r in items)
        span = max(r["end"] for r in items) - min(r["start"] for r in items)
        out[kind] = (len(items), total, span)
    out["messages"] = Counter(r.get("type") for r in by_kind.get("gate_message", []))
    out["message_bytes"] = sum(r.get("bytes", 0) for r in by_kind.get("gate_message", []))
    return out


def read_trace(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def trace_env(env: dict[str, str], directory: Path, trace: Path) -> dict[str, str]:
    """``env`` with bench/ssh_trace.py as ``sitecustomize`` writing to ``trace``."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("ssh_trace.py"), directory / "sitecustomize.py")
    path = os.pathsep.join(filter(None, [str(directory), env.get("PYTHONPATH", "")]))
    return dict(env, PYTHONPATH=path, FTL2_BENCH_TRACE=str(trace))


# --- the stream's order ---------------------------------------------------------------------------

_HOST_RESULTS = ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped")


def order_problems(stream: bytes, tasks: list[str], hosts: list[str]) -> list[str]:
    """What in a worker's stream breaks the order Ansible's linear strategy keeps (empty: none).

    Tasks start in the playbook's order; every host event belongs to the task started last;
    each host gets one ``runner_on_start`` and then one result per task; counters increase;
    ``playbook_on_stats`` comes last. (Within a task, hosts may finish in any order, as with
    ansible-playbook's forks.)
    """
    events = []
    for line in stream.split(b"\n"):
        if line.startswith(b"{") and b'"event"' in line[:200] or line.startswith(b'{"uuid"'):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "event" in record and record["event"] not in ("keepalive",):
                events.append(record)
    problems: list[str] = []
    counters = [e.get("counter", 0) for e in events]
    if counters != sorted(counters) or len(set(counters)) != len(counters):
        problems.append("counters do not increase")
    started = [e["event_data"].get("task") for e in events if e["event"] == "playbook_on_task_start"]
    if started != tasks:
        problems.append(f"tasks started {started}, expected {tasks}")
    current, seen = None, {}
    for event in events:
        name = event["event"]
        if name == "playbook_on_task_start":
            current = event["event_data"].get("task")
            continue
        if name != "runner_on_start" and name not in _HOST_RESULTS:
            continue
        data = event["event_data"]
        if data.get("task") != current:
            problems.append(f"{name} of {data.get('host')} for task {data.get('task')!r} after task {current!r} started")
        state = seen.setdefault((current, data.get("host")), [])
        state.append("start" if name == "runner_on_start" else "result")
    for task in tasks:
        for host in hosts:
            if seen.get((task, host)) != ["start", "result"]:
                problems.append(f"{task} on {host}: {seen.get((task, host))}")
                break
    if not events or events[-1]["event"] != "playbook_on_stats":
        problems.append("playbook_on_stats is not the last event")
    return problems[:5]


# --- the rows -------------------------------------------------------------------------------------

TASK_NAMES = ["ping", "command", "shell", "file", "stat"]


@dataclass
class Sides:
    """What each side runs with."""

    our_cmd: Path
    ref_bin: Path
    mitogen_bin: Path
    mitogen_vars: dict[str, str]
    gate_dir: Path
    python: str
    baseline: Path | None = None  # an ftl2_runner source tree run on PYTHONPATH: the "before" of an A/B


def _pdd(root: Path, content: str, inventory_text: str, dest: Path, env_vars: dict[str, str] | None = None) -> Path:
    from . import run

    pdd = run._data_dir(root, content, inventory_text)
    (pdd / "env").mkdir()
    (pdd / "env" / "extravars").write_text(json.dumps({"dest": str(dest)}))
    if env_vars:
        (pdd / "env" / "envvars").write_text(json.dumps(env_vars))
    return pdd


def _close_masters(control: Path) -> None:
    """End the ssh masters ansible's ControlPersist leaves behind (an EE's container takes them with it)."""
    for socket_path in control.rglob("*"):
        if socket_path.is_socket():
            subprocess.run(["ssh", "-o", f"ControlPath={socket_path}", "-O", "exit", "bench"], capture_output=True, timeout=10)


def measured(target: Target, run_once: Any, after: Any = None) -> Any:
    """``run_once()``'s sample with the targets' CPU of that run."""
    target.settle()
    before, load = target.cpu(), os.getloadavg()[0]
    sample = run_once()
    sample.load = load
    if after is not None:
        after()
    target.settle()
    sample.target_cpu = target.cpu() - before
    return sample


def plans(count: int, target: Target, sides: Sides, work: Path, ansible: bool, outcomes: dict[str, str]) -> list[tuple[str, Any]]:
    """(name, action) of every side's R<count> row on ``target``."""
    from . import run

    hosts = [f"h{index:03d}" for index in range(count)]
    root = work / f"R{count}"
    dest = root / "dest"
    dest.mkdir(parents=True)

    def check_order(stream: bytes) -> None:
        problems = order_problems(stream, TASK_NAMES, hosts)
        if problems:
            raise RuntimeError(f"R{count}: the stream is not in Ansible's order: {problems}")

    ours = _pdd(root / "ours", R_SCRIPT, inventory(count, target.port, target.key), dest)
    our_env = dict(run._env(), FTL2_RUNNER_GATE_DIR=str(sides.gate_dir))  # as the EE runs: prebuilt gates
    bare_inventory = root / "bare.ini"
    bare_inventory.write_text(inventory(count, target.port, target.key, bare=True))
    bare_program = root / "bare.py"
    bare_program.write_text(R_BARE)
    rows: list[tuple[str, Any]] = [
        (
            f"R{count} ftl2-runner worker",
            lambda: measured(target, lambda: run.worker_alone(sides.our_cmd, sides.our_cmd, ours, work, our_env, inspect=check_order)),
        ),
    ]
    if sides.baseline is not None:
        before_env = dict(our_env, PYTHONPATH=str(sides.baseline))
        rows.append(
            (
                f"R{count} ftl2-runner worker, baseline",
                lambda: measured(
                    target, lambda: run.worker_alone(sides.our_cmd, sides.our_cmd, ours, work, before_env, inspect=check_order)
                ),
            )
        )
    rows += [
        (
            f"R{count} bare FTL2",
            lambda: measured(
                target, lambda: run._timed([sides.python, str(bare_program), str(bare_inventory), str(dest)], run._env(), sample_rss=True)
            ),
        ),
    ]
    if not ansible:
        return rows
    control = root / "cp"
    # Each alias its own ssh master, as distinct hosts would have (aliases of one address share one otherwise).
    ansible_inventory = "".join(
        line + (f" ansible_control_path_dir={control}/{line.split()[0]}" if line.startswith("h") else "") + "\n"
        for line in inventory(count, target.port, target.key).splitlines()
    )
    for forks in sorted({5, count}):
        theirs = _pdd(root / f"ansible-f{forks}", R_PLAYBOOK, ansible_inventory, dest, {"ANSIBLE_FORKS": str(forks)})
        rows.append(
            (
                f"R{count} ansible-runner worker, forks {forks}",
                lambda t=theirs, ref=sides.ref_bin / "ansible-runner": measured(
                    target,
                    lambda: run.worker_alone(ref, ref, t, work, run._env(sides.ref_bin), inspect=check_order),
                    lambda: _close_masters(control),
                ),
            )
        )
    mitogen = _pdd(root / "mitogen", R_PLAYBOOK, ansible_inventory, dest, {"ANSIBLE_FORKS": "5"})
    mitogen_cmd = sides.mitogen_bin / "ansible-runner"
    mitogen_env = dict(run._env(sides.mitogen_bin), **sides.mitogen_vars)
    name = f"R{count} ansible-runner + Mitogen worker, forks 5"
    rows.append(
        (
            name,
            lambda: measured(
                target,
                lambda: run.worker_alone(mitogen_cmd, mitogen_cmd, mitogen, work, mitogen_env, outcomes, name),
                lambda: _close_masters(control),
            ),
        )
    )
    return rows


def trace_rows(count: int, sides: Sides, work: Path) -> list[str]:
    """One traced run of ours and of the bare program on a logging sshd: where their seconds go."""
    from . import run

    root = work / f"trace-R{count}"
    target = start_target(root / "target", log=True)
    lines = []
    try:
        dest = root / "dest"
        dest.mkdir()
        ours = _pdd(root / "ours", R_SCRIPT, inventory(count, target.port, target.key), dest)
        bare_inventory = root / "bare.ini"
        bare_inventory.write_text(inventory(count, target.port, target.key, bare=True))
        bare_program = root / "bare.py"
        bare_program.write_text(R_BARE)
        our_env = dict(run._env(), FTL2_RUNNER_GATE_DIR=str(sides.gate_dir))
        sides_to_trace = [("ftl2-runner worker", lambda env: run.worker_alone(sides.our_cmd, sides.our_cmd, ours, work, env), our_env)]
        if sides.baseline is not None:
            sides_to_trace.append(
                (
                    "ftl2-runner worker, baseline",
                    lambda env: run.worker_alone(sides.our_cmd, sides.our_cmd, ours, work, env),
                    dict(our_env, PYTHONPATH=str(sides.baseline)),
                )
            )
        sides_to_trace.append(
            (
                "bare FTL2",
                lambda env: run._timed([sides.python, str(bare_program), str(bare_inventory), str(dest)], env),
                run._env(),
            )
        )
        for label, action, env in sides_to_trace:
            action(env)  # warm: gates and libraries on the target
            assert target.log is not None
            target.settle()
            target.log.write_text("")
            trace = root / f"{len(lines)}.jsonl"
            sample = action(trace_env(env, root / "site", trace))
            target.settle()
            counts = server_counts(target.log.read_text())
            summary = client_summary(read_trace(trace))
            lines.append(render_trace(f"R{count} {label}", count, sample.seconds, counts, summary))
    finally:
        target.stop()
    return lines


def render_trace(label: str, hosts: int, seconds: float, counts: dict[str, int], summary: dict[str, Any]) -> str:
    def per(key: str) -> str:
        return f"{counts.get(key, 0) / hosts:.1f}"

    def phase(kind: str) -> str:
        if kind not in summary:
            return "—"
        number, total, span = summary[kind]
        return f"{number / hosts:.1f} × {total / number * 1000:.0f} ms, span {span:.2f} s"

    messages = ", ".join(f"{kind} {number / hosts:.1f}" for kind, number in sorted(summary.get("messages", {}).items()))
    sftp_ops = sum(summary[k][0] for k in summary if k.startswith("sftp_") and k != "sftp_session")
    return (
        f"| {label} | {seconds:.2f} | {per('connections')} | {per('channels')} | {per('commands')} | {per('sftp_sessions')} | "
        f"{sftp_ops / hosts:.1f} | {per('subsystems_refused')} | {phase('ssh_connect')} | {phase('gate_connect')} | "
        f"{phase('module_call')} | {messages} | {summary.get('message_bytes', 0) / hosts / 1024:.0f} KiB |"
    )


TRACE_HEADER = [
    "| traced run | s | connections / host | channels / host | commands / host | SFTP sessions / host | SFTP operations / host | "
    "subsystem requests refused / host | SSH connect (per host × mean, span) | FTL2's gate set-up (its own connect) | "
    "module calls | gate messages / host | message bytes / host |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- | ---: |",
]


def render(results: dict[str, Any], counts: list[int], outcomes: dict[str, str]) -> list[str]:
    """The R table and its verdicts (issue 32's targets)."""
    lines = [
        "",
        "Remote rows (issue 32): the 5-task job on N aliases of one sshd on 127.0.0.1. Controller CPU: the worker's "
        "(or program's) process tree; target CPU: the sshd's whole tree; both per host.",
        "",
        "| measurement | runs | median s | min–max s | load at start | controller CPU / host | target CPU / host | "
        "peak RSS, tree | peak RSS, worker | tree RSS / host |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, measure in results.items():
        if not name.startswith("R") or not measure.samples:
            continue
        hosts = int(name[1:].split()[0])
        lines.append(
            f"| {name} | {len(measure.samples)} | {measure.median:.2f} | {measure.low:.2f}–{measure.high:.2f} | "
            f"{min(s.load for s in measure.samples):.1f}–{max(s.load for s in measure.samples):.1f} | "
            f"{measure.cpu / hosts * 1000:.0f} ms | {measure.target_cpu / hosts * 1000:.0f} ms | {measure.rss / 2**20:.0f} MiB | "
            f"{measure.worker_rss / 2**20:.0f} MiB | {measure.rss / hosts / 2**20:.2f} MiB |"
        )
    checks: list[tuple[str, float, str, bool]] = []

    def have(*names: str) -> bool:
        return all(n in results and results[n].samples for n in names)

    for count in counts:
        ours = f"R{count} ftl2-runner worker"
        for forks in sorted({5, count}):
            theirs = f"R{count} ansible-runner worker, forks {forks}"
            if have(ours, theirs):
                ratio = results[theirs].median / results[ours].median
                wanted = 10.0 if count == 30 else None
                checks.append(
                    (
                        f"R{count} worker vs ansible-runner's, forks {forks}",
                        ratio,
                        f"≥ {wanted:.0f}× faster" if wanted else "(no target) × faster",
                        ratio >= (wanted or 0),
                    )
                )
        mitogen = f"R{count} ansible-runner + Mitogen worker, forks 5"
        if have(ours, mitogen):
            checks.append(
                (
                    f"R{count} worker vs ansible-runner + Mitogen's, forks 5",
                    results[mitogen].median / results[ours].median,
                    "(no target) × faster",
                    True,
                )
            )
        if have(ours, f"R{count} ftl2-runner worker, baseline"):
            before = results[f"R{count} ftl2-runner worker, baseline"]
            checks.append((f"R{count} worker: baseline vs now", before.median / results[ours].median, "(A/B) × faster", True))
            checks.append(
                (
                    f"R{count} worker: baseline vs now, target CPU",
                    before.target_cpu / max(results[ours].target_cpu, 1e-9),
                    "(A/B) × less",
                    True,
                )
            )
        if have(ours, f"R{count} bare FTL2"):
            checks.append(
                (f"R{count} worker vs bare FTL2", results[ours].median / results[f"R{count} bare FTL2"].median, "(no target) ×", True)
            )
    ours_counts = [c for c in counts if have(f"R{c} ftl2-runner worker")]
    if len(ours_counts) >= 2:
        low, high = ours_counts[0], ours_counts[-1]
        a, b = results[f"R{low} ftl2-runner worker"], results[f"R{high} ftl2-runner worker"]
        slope = (b.median - a.median) / (high - low)
        checks.append((f"slope R{low}→R{high}, s per host for 5 tasks", slope, "≤ 0.17 (a quarter of 0.69)", slope <= 0.69 / 4))
        for x, y in zip(ours_counts, ours_counts[1:], strict=False):
            m, n = results[f"R{x} ftl2-runner worker"], results[f"R{y} ftl2-runner worker"]
            checks.append((f"slope R{x}→R{y}, s per host", (n.median - m.median) / (y - x), "(linearity)", True))
        growth = (b.rss - a.rss) / (high - low) / 2**20
        checks.append((f"worker tree RSS growth R{low}→R{high}, MiB per host", growth, "≤ 1 MiB", growth <= 1.0))
        alone = (b.worker_rss - a.worker_rss) / (high - low) / 2**20
        checks.append((f"worker process RSS growth R{low}→R{high}, MiB per host", alone, "≤ 1 MiB", alone <= 1.0))
    lines += ["", "| target | measured | wanted | met |", "| --- | ---: | --- | --- |"]
    lines += [f"| {label} | {value:.2f} | {wanted} | {'yes' if ok else '**no**'} |" for label, value, wanted, ok in checks]
    for name, outcome in sorted(outcomes.items()):
        if name.startswith("R"):
            lines += ["", f"{name}: {outcome}."]
    return lines
