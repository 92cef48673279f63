"""``uv run python -m bench.run [--reps N] [--quick] [--peer DIR] [--write-docs]``: ftl2-runner against the others.

Every measurement is a whole-process run. The jobs are measured as issue 19 defines them,
worker against worker: the job's transmit stream made beforehand, the worker timed alone
(in AWX, ``transmit`` and ``process`` run on the control node, the worker on the execution
node), its stream then checked by ``process``: ftl2-runner's worker, real ansible-runner +
ansible-core's (the compat reference environment) on the equivalent playbook, with and
without Mitogen's strategy plugin (J100, J10x10), the older ftl2-runner's worker on our
transmit stream (``--peer DIR``, a checkout of benthomasson/ftl2-runner), and the bare FTL2
program run with plain ``python``. Our ``transmit | worker | process`` round trip (three
concurrent processes on the same CPUs) is measured too; ``floors`` adds what upstream's
pipeline and event filter cost alone. Repetitions are interleaved after one warm-up,
medians are reported with min/max, and peak RSS is the largest sum of RSS over the
worker's process tree, sampled every 20 ms. Results go to stdout and, with
``--write-docs``, to docs/performance.md.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import floors, scenarios
from .sides import MITOGEN_VERSION

ROOT = Path(__file__).resolve().parent.parent
OUR_BIN = Path(sys.executable).parent
OUR_CMD = OUR_BIN / "ftl2-runner"
J0_WORKER = "J0 ftl2-runner worker, nothing imported or run"
J0_ROUND_TRIP = "J0 ftl2-runner round trip, nothing imported or run"
E10K_RECEPTOR = "E10k ftl2-runner worker, stdout an O_SYNC file (as Receptor opens it)"
DOC = ROOT / "docs" / "performance.md"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Sample:
    seconds: float
    peak_rss: int  # bytes, the whole worker process tree (worker + executor + modules)
    worker_rss: int = 0  # bytes, the worker process alone
    cpu: float = 0.0  # seconds of user + system time of every process measured (their children included)
    target_cpu: float = 0.0  # remote rows: seconds of CPU of the target sshd's whole tree (bench/remote.py)
    load: float = 0.0  # remote rows: the 1-minute load average when the run started


@dataclass
class Measure:
    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def low(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def high(self) -> float:
        return max(s.seconds for s in self.samples)

    @property
    def rss(self) -> int:
        return max(s.peak_rss for s in self.samples)

    @property
    def worker_rss(self) -> int:
        return max(s.worker_rss for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def target_cpu(self) -> float:
        return statistics.median(s.target_cpu for s in self.samples)


def _children_cpu() -> float:
    """User + system seconds of every child reaped so far (and of the children they reaped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _rss_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _children_of(pid: int) -> list[int]:
    children: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", "rb") as handle:
                children += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return children


def _tree_rss(root: int) -> tuple[int, int]:
    """(sum of RSS over ``root`` and its descendants, RSS of ``root`` alone).

    Walks ``/proc/<pid>/task/<tid>/children`` from the root instead of reading every
    process on the machine, so that sampling every 20 ms costs little of the 2 CPUs it
    shares with what it measures.
    """
    total, frontier = 0, [root]
    while frontier:
        pid = frontier.pop()
        total += _rss_of(pid)
        frontier.extend(_children_of(pid))
    return total, _rss_of(root)


def _communicate_sampling(process: subprocess.Popen, stdin: bytes | None, sample_rss: bool) -> tuple[bytes, bytes, tuple[int, int]]:
    """Wait for ``process`` while sampling peak RSS (tree, process alone) every 20 ms."""
    peak = [0, 0]
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            tree, alone = _tree_rss(process.pid)
            peak[0], peak[1] = max(peak[0], tree), max(peak[1], alone)
            done.wait(0.02)

    if sample_rss:
        threading.Thread(target=sampler, daemon=True).start()
    out, err = process.communicate(stdin)
    done.set()
    return out, err, (peak[0], peak[1])


def _timed(argv: list[str], env: dict[str, str], stdin: bytes | None = None, sample_rss: bool = False, cwd: Path | None = None) -> Sample:
    return _timed_output(argv, env, stdin, sample_rss, cwd)[0]


def _timed_output(
    argv: list[str],
    env: dict[str, str],
    stdin: bytes | None = None,
    sample_rss: bool = False,
    cwd: Path | None = None,
    check: bool = True,
) -> tuple[Sample, bytes]:
    """A run of ``argv`` timed from exec to exit, and its stdout; a failed exit raises if ``check``."""
    cpu = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    out, err, peak = _communicate_sampling(process, stdin, sample_rss)
    elapsed = time.perf_counter() - start
    if check and process.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed ({process.returncode}): {err.decode()[-2000:]} {out[-500:]!r}")
    return Sample(elapsed, peak[0], peak[1], _children_cpu() - cpu), out


def _env(extra_path: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, FTL2_TELEMETRY="off", TERM="xterm")
    env.pop("VIRTUAL_ENV", None)
    if extra_path is not None:
        env["PATH"] = f"{extra_path}{os.pathsep}{env['PATH']}"
        env["ANSIBLE_PYTHON_INTERPRETER"] = str(extra_path / "python")
    return env


def _data_dir(root: Path, content: str, inventory: str, name: str = "site.yml") -> Path:
    (root / "project").mkdir(parents=True)
    (root / "project" / name).write_text(content)
    (root / "inventory").mkdir()
    (root / "inventory" / "hosts").write_text(inventory)
    return root


def worker_only(bin_dir: Path, pdd: Path, work: Path, env: dict[str, str], runner: str) -> Sample:
    """The worker process alone, from a transmit stream made beforehand (events through the worker)."""
    stream = subprocess.run(
        [str(bin_dir / runner), "transmit", str(pdd), "-p", "site.yml"], capture_output=True, env=env, check=True
    ).stdout
    worker_dir = work / f"w{time.perf_counter_ns()}"
    return _timed([str(bin_dir / runner), "worker", f"--private-data-dir={worker_dir}", "--delete"], env, stdin=stream, sample_rss=True)


def worker_alone(
    worker: Path,
    controller: Path,
    pdd: Path,
    work: Path,
    env: dict[str, str],
    outcomes: dict[str, str] | None = None,
    name: str = "",
    inspect: Callable[[bytes], None] | None = None,
) -> Sample:
    """The worker alone, as an execution node runs it, and its stream checked afterwards.

    In AWX, ``transmit`` and ``process`` run on the control node and only the worker runs
    where the job does, so issue 19 compares workers: the job's transmit stream is made
    beforehand by ``controller`` (an ``ansible-runner``-like command: its ``transmit``,
    untimed), ``worker``'s ``worker`` is timed from exec to exit with that stream on stdin,
    then its stream goes to ``controller``'s ``process`` (untimed), whose final status must be
    ``successful``; with ``outcomes``, that status is recorded instead (the older runner's
    stream is not always one upstream's Processor accepts). ``inspect`` gets the worker's
    stream too, and may raise.
    """
    stream = subprocess.run([str(controller), "transmit", str(pdd), "-p", "site.yml"], capture_output=True, env=env, check=True).stdout
    stamp = time.perf_counter_ns()
    worker_dir, outdir = work / f"w{stamp}", work / f"o{stamp}"
    sample, out = _timed_output(
        [str(worker), "worker", f"--private-data-dir={worker_dir}", "--delete"],
        env,
        stdin=stream,
        sample_rss=True,
        cwd=work,  # the older runner writes ftl2.log into its working directory
        check=outcomes is None,
    )
    processed = subprocess.run([str(controller), "process", str(outdir)], input=out, capture_output=True, env=env)
    if inspect is not None:
        inspect(out)
    statuses = [path.read_text() for pattern in ("artifacts/status", "artifacts/*/status") for path in outdir.glob(pattern)]
    shutil.rmtree(outdir, ignore_errors=True)
    shutil.rmtree(worker_dir, ignore_errors=True)
    if outcomes is not None:
        outcomes[name] = ", ".join(statuses) if statuses else f"no status (process exit code {processed.returncode})"
    elif processed.returncode != 0 or statuses != ["successful"]:
        raise RuntimeError(
            f"{worker} worker: process exit code {processed.returncode}, status {statuses}: "
            f"{processed.stderr.decode(errors='replace')[-2000:]}"
        )
    return sample


def worker_to_receptor_stdout(bin_dir: Path, pdd: Path, work: Path, env: dict[str, str], runner: str, events: int) -> Sample:
    """The worker as Receptor's work-command runs it: stdin a regular file holding the whole job,
    stdout and stderr one file opened ``O_CREAT|O_WRONLY|O_SYNC`` (pkg/workceptor/command.go,
    ``commandRunner``), where every write(2) waits for the disk. The stream must end
    ``successful`` with eof and carry the job's ``events`` verbose events."""
    stream = subprocess.run(
        [str(bin_dir / runner), "transmit", str(pdd), "-p", "site.yml"], capture_output=True, env=env, check=True
    ).stdout
    stamp = time.perf_counter_ns()
    unit, worker_dir = work / f"u{stamp}", work / f"w{stamp}"
    unit.mkdir()
    (unit / "stdin").write_bytes(stream)
    stdout = os.open(unit / "stdout", os.O_CREAT | os.O_WRONLY | os.O_SYNC, 0o600)
    try:
        with open(unit / "stdin", "rb") as stdin:
            cpu = _children_cpu()
            start = time.perf_counter()
            process = subprocess.Popen(
                [str(bin_dir / runner), "worker", f"--private-data-dir={worker_dir}", "--delete"],
                stdin=stdin,
                stdout=stdout,
                stderr=stdout,
                env=env,
            )
            _, _, peak = _communicate_sampling(process, None, sample_rss=True)
            elapsed = time.perf_counter() - start
            cpu = _children_cpu() - cpu
    finally:
        os.close(stdout)
    data = (unit / "stdout").read_bytes()
    shutil.rmtree(unit)
    records = []
    for line in data.split(b"\n"):
        if line.startswith(b'{"zipfile"'):
            break  # the artifacts zip follows, then the eof on the zip's last line
        try:
            records.append(json.loads(line)) if line else None
        except ValueError:
            raise RuntimeError(f"{runner} worker to an O_SYNC file: not a stream line: {line[:200]!r}") from None
    statuses = [record["status"] for record in records if "status" in record]
    if process.returncode != 0 or statuses[-1:] != ["successful"] or not data.endswith(b'{"eof": true}\n'):
        raise RuntimeError(f"{runner} worker to an O_SYNC file: exit code {process.returncode}, statuses {statuses}, ends {data[-40:]!r}")
    verbose = sum(1 for record in records if record.get("event") == "verbose")
    if verbose != events:
        raise RuntimeError(f"{runner} worker to an O_SYNC file: {verbose} verbose events, expected {events}")
    return Sample(elapsed, peak[0], peak[1], cpu)


def full_round_trip(bin_dir: Path, pdd: Path, work: Path, env: dict[str, str], runner: str) -> Sample:
    """``transmit | worker | process`` as a shell pipeline runs it: three concurrent processes."""
    stamp = time.perf_counter_ns()
    worker_dir, outdir, errors = work / f"w{stamp}", work / f"o{stamp}", work / f"e{stamp}.log"
    with open(errors, "wb") as stderr:
        cpu = _children_cpu()
        start = time.perf_counter()
        transmit = subprocess.Popen(
            [str(bin_dir / runner), "transmit", str(pdd), "-p", "site.yml"], stdout=subprocess.PIPE, stderr=stderr, env=env
        )
        worker = subprocess.Popen(
            [str(bin_dir / runner), "worker", f"--private-data-dir={worker_dir}", "--delete"],
            stdin=transmit.stdout,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
        process = subprocess.Popen(
            [str(bin_dir / runner), "process", str(outdir)], stdin=worker.stdout, stdout=subprocess.DEVNULL, stderr=stderr, env=env
        )
        transmit.stdout.close()  # the pipe ends now belong to the worker and to process
        worker.stdout.close()
        worker.stdout = None
        _, _, peak = _communicate_sampling(worker, None, sample_rss=True)
        process.wait()
        transmit.wait()
        elapsed = time.perf_counter() - start
        cpu = _children_cpu() - cpu
    statuses = [path.read_text() for pattern in ("artifacts/status", "artifacts/*/status") for path in outdir.glob(pattern)]
    codes = (transmit.returncode, worker.returncode, process.returncode)
    if codes != (0, 0, 0) or statuses != ["successful"]:
        raise RuntimeError(
            f"{runner} round trip failed: exit codes {codes}, status {statuses}: {errors.read_text(errors='replace')[-2000:]}"
        )
    shutil.rmtree(outdir, ignore_errors=True)
    errors.unlink()
    return Sample(elapsed, peak[0], peak[1], cpu)


def file_create_cost(directory: Path, count: int = 300) -> float:
    """Microseconds to create one empty file in ``directory``: every event costs at least one."""
    probe = Path(tempfile.mkdtemp(dir=directory))
    start = time.perf_counter()
    for index in range(count):
        os.close(os.open(probe / f"f{index}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    elapsed = time.perf_counter() - start
    shutil.rmtree(probe)
    return elapsed / count * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--reps", type=int, default=None, help="measured repetitions per variant, after one warm-up (default 5; 3 with --quick)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="ansible-runner's (and Mitogen's) J100 and J10x10 measured once, the rest --reps times (default 3)",
    )
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/performance.md")
    parser.add_argument(
        "--peer",
        type=Path,
        default=None,
        metavar="DIR",
        help="a checkout of the older ftl2-runner (benthomasson/ftl2-runner) to measure as well",
    )
    parser.add_argument(
        "--work-dir", type=Path, default=None, help="where private data dirs are made (default: the system temporary directory)"
    )
    parser.add_argument(
        "--remote",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[],
        metavar="N,N,...",
        help="remote rows (issue 32): the 5-task job on N aliases of a real sshd on 127.0.0.1, e.g. 10,30,100",
    )
    parser.add_argument("--remote-only", action="store_true", help="only the remote rows")
    parser.add_argument(
        "--remote-ansible-up-to",
        type=int,
        default=30,
        metavar="N",
        help="ansible-runner's and Mitogen's remote rows up to N hosts (default 30)",
    )
    parser.add_argument("--remote-reps", type=int, default=3, help="repetitions of ours and bare FTL2 per remote row (default 3)")
    parser.add_argument("--remote-slow-reps", type=int, default=1, help="repetitions of the playbook sides per remote row (default 1)")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --remote: also ftl2-runner's worker with DIR (a source tree holding ftl2_runner/) on PYTHONPATH, interleaved",
    )
    parser.add_argument("--trace", action="store_true", help="with --remote: one traced run per side and host count (docs/performance.md)")
    args = parser.parse_args(argv)
    reps = args.reps or (3 if args.quick else 5)
    # The playbook sides of J100/J10x10 take 10-50 s a run and are 10-70x away from their
    # thresholds: in --quick one run of each leaves the repetitions to the sub-second rows.
    slow_reps = 1 if args.quick else reps
    # An installed ftl2-runner has bytecode (pip compiles at install time); this checkout is an
    # editable install in an environment `uv sync` may have left without any, so compile both,
    # or with PYTHONDONTWRITEBYTECODE set every run would recompile ftl2 and measure that.
    # (compileall skips files whose .pyc is current, so this is quick after the first time.)
    compileall.compile_dir(str(ROOT / "ftl2_runner"), quiet=1)
    compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=1)
    if not os.path.exists(f"/proc/self/task/{threading.get_native_id()}/children"):
        parser.error("needs /proc/<pid>/task/<tid>/children (Linux 3.5+ with CONFIG_PROC_CHILDREN) to sample RSS")

    sys.path.insert(0, str(ROOT))
    from compat.reference import ANSIBLE_CORE_VERSION, ANSIBLE_RUNNER_VERSION, ensure_reference_env

    from .sides import mitogen_env, mitogen_variables, peer_env

    ref_bin = ensure_reference_env()
    mitogen_bin = mitogen_env()
    mitogen_vars = mitogen_variables(mitogen_bin)
    peer_bin = peer_env(args.peer) if args.peer else None
    outcomes: dict[str, str] = {}
    results: dict[str, Measure] = {}
    with tempfile.TemporaryDirectory(prefix="ftl2-bench-", dir=args.work_dir) as tmp:
        work = Path(tmp)
        create_cost = file_create_cost(work)
        plans = [] if args.remote_only else _local_plans(work, reps, slow_reps, ref_bin, mitogen_bin, mitogen_vars, peer_bin, outcomes)
        for name, _, action in plans:  # warm-up: caches, .pyc files, the FTL2 gate
            action()
            print(f"warmed up {name}", file=sys.stderr, flush=True)
        max_reps = max((r for _, r, _ in plans), default=0)
        for rep in range(max_reps):  # interleaved repetitions
            for name, wanted, action in plans:
                if rep < wanted:
                    results.setdefault(name, Measure(name)).samples.append(action())
            print(f"repetition {rep + 1}/{max_reps} done", file=sys.stderr, flush=True)

        remote_lines = remote_rows(args, work, ref_bin, mitogen_bin, mitogen_vars, outcomes) if args.remote else []
        if plans:
            create_cost = (create_cost + file_create_cost(work)) / 2  # before and after: this varies
            event_ceiling = statistics.median(floors.upstream_event_rate(10000, work) for _ in range(reps))
    if plans:
        filter_floor = floors.filter_peak_per_byte(scenarios.LONG_LINE_MB[0])
        table = render(results, reps, ANSIBLE_RUNNER_VERSION, ANSIBLE_CORE_VERSION, create_cost, outcomes, filter_floor, event_ceiling)
        print(table)
        if args.write_docs:
            write_docs(table)
    if remote_lines:
        print("\n".join(remote_lines))
        if args.write_docs:
            write_docs("\n".join(remote_lines), "bench-remote")
    return 0


def remote_rows(
    args: argparse.Namespace, work: Path, ref_bin: Path, mitogen_bin: Path, mitogen_vars: dict[str, str], outcomes: dict[str, str]
) -> list[str]:
    """The R rows (bench/remote.py): per host count, one sshd, every side warmed up once, then interleaved runs."""
    from . import remote

    gate_dir = work / "gates"  # as the EE has them: built once, FTL2_RUNNER_GATE_DIR
    subprocess.run([str(OUR_CMD), "gate", "build", "--output-dir", str(gate_dir)], check=True, capture_output=True, env=_env())
    if args.baseline is not None:
        compileall.compile_dir(str(args.baseline / "ftl2_runner"), quiet=1)  # as this checkout's: bytecode
    sides = remote.Sides(OUR_CMD, ref_bin, mitogen_bin, mitogen_vars, gate_dir, sys.executable, args.baseline)
    results: dict[str, Measure] = {}
    loads: list[float] = [os.getloadavg()[0]]
    broken: set[str] = set()

    def attempt(name: str, action: Callable[[], Sample]) -> Sample | None:
        try:
            return action()
        except (RuntimeError, subprocess.SubprocessError) as exc:
            outcomes[name] = f"failed: {str(exc)[-600:]}"
            broken.add(name)
            return None

    for count in args.remote:
        target = remote.start_target(work / f"target-R{count}")
        try:
            rows = remote.plans(count, target, sides, work, count <= args.remote_ansible_up_to, outcomes)
            for name, action in rows:  # warm-up: the gate and the module library on the target, caches
                attempt(name, action)
                print(f"warmed up {name}", file=sys.stderr, flush=True)
            for rep in range(max(args.remote_reps, args.remote_slow_reps)):
                for name, action in rows:
                    wanted = args.remote_slow_reps if "ansible-runner" in name else args.remote_reps
                    if rep < wanted and name not in broken:
                        sample = attempt(name, action)
                        loads.append(os.getloadavg()[0])
                        if sample is not None:
                            results.setdefault(name, Measure(name)).samples.append(sample)
                print(f"R{count}: repetition {rep + 1} done (load {loads[-1]:.1f})", file=sys.stderr, flush=True)
        finally:
            target.stop()
    lines = remote.render(results, args.remote, outcomes)
    lines.insert(
        1, f"1-minute load average after each run: {min(loads):.1f}–{max(loads):.1f} (2 CPUs, shared; an R100 run itself raises it)."
    )
    if args.trace:
        lines += ["", *remote.TRACE_HEADER]
        for count in args.remote:
            lines += remote.trace_rows(count, sides, work)
    return lines


def _local_plans(
    work: Path,
    reps: int,
    slow_reps: int,
    ref_bin: Path,
    mitogen_bin: Path,
    mitogen_vars: dict[str, str],
    peer_bin: Path | None,
    outcomes: dict[str, str],
) -> list[tuple[str, int, Callable[[], Sample]]]:
    """Every local row (J, E, L, J0, Z100, worker-info): (name, repetitions, action)."""
    plans: list[tuple[str, int, Callable[[], Sample]]] = []
    for job, (script, playbook, bare, inventory) in scenarios.JOBS.items():
        ours = _data_dir(work / f"{job}-ftl2", script, inventory)
        theirs = _data_dir(work / f"{job}-ansible", playbook, inventory)
        bare_file = work / f"{job}-bare.py"
        bare_file.write_text(scenarios.BARE_WRAPPER.format(body=bare))
        inv = ours / "inventory" / "hosts"
        ref_reps = slow_reps if job in ("J100", "J10x10") else reps
        plans += [
            (f"{job} ftl2-runner worker", reps, lambda o=ours: worker_alone(OUR_CMD, OUR_CMD, o, work, _env())),
            (f"{job} ftl2-runner round trip", reps, lambda o=ours: full_round_trip(OUR_BIN, o, work, _env(), "ftl2-runner")),
            (
                f"{job} ansible-runner worker",
                ref_reps,
                lambda t=theirs: worker_alone(ref_bin / "ansible-runner", ref_bin / "ansible-runner", t, work, _env(ref_bin)),
            ),
        ]
        if job in ("J100", "J10x10"):
            plans.append(
                (
                    f"{job} ansible-runner + Mitogen worker",
                    slow_reps,
                    lambda t=theirs: worker_alone(
                        mitogen_bin / "ansible-runner",
                        mitogen_bin / "ansible-runner",
                        t,
                        work,
                        dict(_env(mitogen_bin), **mitogen_vars),
                    ),
                )
            )
        if peer_bin is not None:
            peer = _data_dir(work / f"{job}-peer", scenarios.PEER_SCRIPTS[job], inventory)
            plans.append(
                (
                    f"{job} older ftl2-runner worker",
                    reps,
                    lambda p=peer, n=f"{job} older ftl2-runner worker": worker_alone(
                        peer_bin / "ftl2-runner", OUR_CMD, p, work, _env(), outcomes, n
                    ),
                )
            )
        plans.append(
            (f"{job} bare FTL2", reps, lambda b=bare_file, i=inv: _timed([sys.executable, str(b), str(i)], _env(), sample_rss=True))
        )
    for count in (1000, 10000):
        pdd = _data_dir(work / f"E{count}", scenarios.events_script(count), scenarios.LOCAL_INVENTORY)
        plans.append((f"E{count // 1000}k ftl2-runner worker", reps, lambda p=pdd: worker_only(OUR_BIN, p, work, _env(), "ftl2-runner")))
    e10k = work / "E10000"
    plans.append(
        (
            E10K_RECEPTOR,
            reps,
            lambda: worker_to_receptor_stdout(OUR_BIN, e10k, work, _env(), "ftl2-runner", 10000),
        )
    )
    for size in scenarios.LONG_LINE_MB:
        pdd = _data_dir(work / f"L{size}", scenarios.long_line_script(size), scenarios.LOCAL_INVENTORY)
        plans.append((f"L{size} ftl2-runner worker", reps, lambda p=pdd: worker_only(OUR_BIN, p, work, _env(), "ftl2-runner")))
    nothing = _data_dir(work / "J0", floors.NOTHING_SCRIPT, scenarios.LOCAL_INVENTORY)
    plans += [
        (
            J0_WORKER,
            reps,
            lambda: worker_alone(OUR_CMD, OUR_CMD, nothing, work, dict(_env(), **floors.PIPELINE_ONLY_ENV)),
        ),
        (
            J0_ROUND_TRIP,
            reps,
            lambda: full_round_trip(OUR_BIN, nothing, work, dict(_env(), **floors.PIPELINE_ONLY_ENV), "ftl2-runner"),
        ),
    ]
    big = _data_dir(work / "Z100", scenarios.J2_SCRIPT, scenarios.LOCAL_INVENTORY)
    with open(big / "project" / "blob.bin", "wb") as blob:
        for _ in range(100):
            blob.write(os.urandom(1024 * 1024))
    plans.append(("Z100 ftl2-runner", reps, lambda: full_round_trip(OUR_BIN, big, work, _env(), "ftl2-runner")))
    plans.append(("worker-info ftl2-runner", reps, lambda: _timed([str(OUR_BIN / "ftl2-runner"), "worker", "--worker-info"], _env())))
    plans.append(
        (
            "worker-info ansible-runner",
            reps,
            lambda: _timed([str(ref_bin / "ansible-runner"), "worker", "--worker-info"], _env(ref_bin)),
        )
    )

    return plans


def _ftl2_version() -> str:
    from importlib.metadata import version

    return version("ftl2")


def render(
    results: dict[str, Measure],
    reps: int,
    runner_version: str,
    core_version: str,
    create_cost: float,
    outcomes: dict[str, str] | None = None,
    filter_floor: float | None = None,
    event_ceiling: float | None = None,
) -> str:
    def m(name: str) -> Measure:
        return results[name]

    lines = [
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
        f"ftl2 {_ftl2_version()}, ansible-runner {runner_version}, ansible-core {core_version}, "
        f"mitogen {MITOGEN_VERSION}; "
        f"up to {reps} interleaved repetitions after a warm-up (runs: how many; medians, with min–max). "
        f"Creating a file in the work directory took {create_cost:.0f} µs (ansible-runner's events each create one).",
        "",
        "| measurement | runs | median s | min–max s | CPU s (median) | peak RSS, process tree | peak RSS, worker process |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, measure in results.items():
        lines.append(
            f"| {name} | {len(measure.samples)} | {measure.median:.2f} | {measure.low:.2f}–{measure.high:.2f} | {measure.cpu:.2f} | "
            f"{measure.rss / 2**20:.0f} MiB | {measure.worker_rss / 2**20:.0f} MiB |"
        )
    e1k, e10k = m("E1k ftl2-runner worker"), m("E10k ftl2-runner worker")
    rate_1k, rate_10k = 1000 / e1k.median, 10000 / e10k.median
    marginal = 9000 / max(e10k.median - e1k.median, 1e-9)  # fixed start-up cost cancels out

    def ratio(a: str, b: str) -> float:
        return m(a).median / m(b).median

    checks = [
        (
            "J100 worker vs ansible-runner's worker",
            ratio("J100 ansible-runner worker", "J100 ftl2-runner worker"),
            "≥ 45× faster",
            ratio("J100 ansible-runner worker", "J100 ftl2-runner worker") >= 45,
        ),
        (
            "J100 worker vs ansible-runner + Mitogen's worker",
            ratio("J100 ansible-runner + Mitogen worker", "J100 ftl2-runner worker"),
            "(no target) × faster",
            True,
        ),
        (
            "J10x10 worker vs ansible-runner + Mitogen's worker",
            ratio("J10x10 ansible-runner + Mitogen worker", "J10x10 ftl2-runner worker"),
            "(no target) × faster",
            True,
        ),
    ]
    for job, wanted in (("J100", 1.15), ("J2", 1.10)):
        value = ratio(f"{job} ftl2-runner worker", f"{job} bare FTL2")
        checks.append((f"{job} worker vs bare FTL2", value, f"≤ {wanted:.2f}×", value <= wanted))
    for job in ("J100", "J2"):
        # The same job with transmit and process on the worker's 2 CPUs too (one machine playing
        # AWX's control node and its execution node): what the pipeline adds, for information.
        checks.append((f"{job} round trip vs bare FTL2", ratio(f"{job} ftl2-runner round trip", f"{job} bare FTL2"), "(no target) ×", True))
    cpus = os.cpu_count() or 1
    for floor_name, label in ((J0_WORKER, "worker"), (J0_ROUND_TRIP, "round trip")):
        if floor_name not in results:
            continue
        checks.append((f"floor: J0 {label} (no FTL2, no task) vs J2 bare FTL2", ratio(floor_name, "J2 bare FTL2"), "(floor) ×", True))
        for job in ("J2", "J100"):
            # Nothing that keeps upstream's code of J0 (J0's CPU) and does the job's own work (the
            # bare program's CPU) can end sooner than that CPU spread over every CPU.
            floor = (m(floor_name).cpu + m(f"{job} bare FTL2").cpu) / cpus / m(f"{job} bare FTL2").median
            checks.append((f"floor: (J0 {label} CPU + {job} bare FTL2 CPU) / {cpus} CPUs vs {job} bare FTL2", floor, "(floor) ×", True))
    for job in ("J100", "J2"):
        if f"{job} older ftl2-runner worker" in results:
            value = ratio(f"{job} ftl2-runner worker", f"{job} older ftl2-runner worker")
            checks.append((f"{job} worker vs the older ftl2-runner's worker", value, "≤ 1.0×", value <= 1.0))
    checks += [
        (
            "J10x10 worker vs ansible-runner's worker",
            ratio("J10x10 ansible-runner worker", "J10x10 ftl2-runner worker"),
            "(no target) × faster",
            True,
        ),
        ("E10k events per second through the worker", rate_10k, "≥ 3000/s", rate_10k >= 3000),
    ]
    if E10K_RECEPTOR in results:
        # Receptor's stdout file: the worker must not be much slower there than on a pipe.
        sync_rate = 10000 / m(E10K_RECEPTOR).median
        checks += [
            ("E10k events per second through the worker, stdout an O_SYNC file", sync_rate, "≥ 3000/s", sync_rate >= 3000),
            (
                "E10k worker, O_SYNC file vs pipe",
                ratio(E10K_RECEPTOR, "E10k ftl2-runner worker"),
                "≤ 1.25×",
                m(E10K_RECEPTOR).median <= 1.25 * e10k.median,
            ),
        ]
    if event_ceiling is not None:
        checks.append(
            (
                "ceiling: events per second of upstream's filter, Runner.event_callback and Worker.event_handler alone",
                event_ceiling,
                "(ceiling) /s",
                True,
            )
        )
    checks += [
        ("E10k worker RSS (MiB)", e10k.worker_rss / 2**20, "≤ 100 MiB", e10k.worker_rss <= 100 * 2**20),
        ("E10k worker RSS vs E1k", e10k.worker_rss / max(e1k.worker_rss, 1), "≤ 1.10×", e10k.worker_rss <= 1.10 * e1k.worker_rss),
        ("Z100 worker RSS (MiB)", m("Z100 ftl2-runner").worker_rss / 2**20, "≤ 100 MiB", m("Z100 ftl2-runner").worker_rss <= 100 * 2**20),
    ]
    for size in scenarios.LONG_LINE_MB:
        over = (m(f"L{size} ftl2-runner worker").worker_rss - e1k.worker_rss) / (size * 2**20)
        checks.append((f"L{size} worker RSS above E1k's, per byte of the line", over, "≤ 2×", over <= 2))
    if filter_floor is not None:
        checks.append(
            (
                f"floor: L{scenarios.LONG_LINE_MB[0]} in upstream's event filter alone, peak per byte (tracemalloc)",
                filter_floor,
                "(floor) ×",
                True,
            )
        )
    checks.append(
        (
            "worker-info vs ansible-runner",
            ratio("worker-info ftl2-runner", "worker-info ansible-runner"),
            "≤ 1.1×",
            m("worker-info ftl2-runner").median <= 1.1 * m("worker-info ansible-runner").median,
        )
    )
    lines += [
        "",
        f"E1k: {rate_1k:.0f} events/s; E10k: {rate_10k:.0f} events/s over the whole worker run, "
        f"start-up included; {marginal:.0f} events/s for the 9,000 events E10k has more than E1k.",
        "",
        "| target | measured | wanted | met |",
        "| --- | ---: | --- | --- |",
    ]
    for label, value, wanted, ok in checks:
        lines.append(f"| {label} | {value:.2f} | {wanted} | {'yes' if ok else '**no**'} |")
    if J0_WORKER in results or J0_ROUND_TRIP in results:
        lines += [
            "",
            "The CPU floors hold on an otherwise idle machine: on a loaded one the bare program's wall time "
            "includes its waits for a CPU, and the ratio falls below what the pipeline can reach.",
        ]
    for name, outcome in sorted((outcomes or {}).items()):
        lines += ["", f"{name}: what upstream `ansible-runner process` made of its stream: {outcome}."]
    return "\n".join(lines)


def write_docs(table: str, marker: str = "bench") -> None:
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    DOC.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
