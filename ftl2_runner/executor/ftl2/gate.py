"""FTL2's remote "gate", built ahead of time for execution nodes without a package index.

On first contact with a remote host FTL2 builds a zipapp (the gate) and installs its
Python dependencies into it with uv or pip — which fails on an execution node or in a
container that cannot reach a package index. ``ftl2-runner gate build`` runs FTL2's own
builder at image-build time and stores the result in a directory (default
``/opt/ftl2/gates``); at job start the executor copies any gate from there into FTL2's
caches (``~/.ftl``, ``~/.ftl2/gates``) if it is missing, so no download is ever attempted. A gate is
keyed by FTL2's hash of its configuration and FTL2's sources, so a prebuilt gate is
used only by the FTL2 version that built it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

DEFAULT_GATE_DIR = "/opt/ftl2/gates"
# Interpreters FTL2 asks for: our inventory default ("python3") and FTL2's remote default.
DEFAULT_INTERPRETERS = ("python3", "/usr/bin/python3")


def ftl2_gate_caches() -> list[Path]:
    """Where FTL2 0.4.7 looks for built gates: the automation context's builder uses ``~/.ftl``,
    its lower-level runner defaults to ``~/.ftl2/gates``."""
    return [Path.home() / ".ftl", Path.home() / ".ftl2" / "gates"]


NO_INSTALLER_FIX = (
    "FTL2 cannot build its remote gate: it needs uv or pip to install the gate's dependencies, and this "
    "Python ({python}) has no pip and no uv was found (PATH, $UV, ~/.local/bin, ~/.cargo/bin); "
    "put uv on PATH, or add pip to this environment (uv pip install --python {python} pip), or prebuild "
    "the gate with 'ftl2-runner gate build' where an installer is available and set FTL2_RUNNER_GATE_DIR"
)


class GateBuildError(Exception):
    """FTL2 could not build a gate; the message is one line that says what to do."""


def find_uv() -> str | None:
    """A uv executable FTL2 can use, also when none is on PATH.

    FTL2 0.4.7 installs the gate's dependencies with ``uv`` from PATH, else with
    ``python -m pip`` — and a venv made by uv (``uv tool install``, ``uv sync``, an EE
    built with uv) has no pip. uv is usually still on the machine, just not on the
    PATH of a service or container: ``$UV`` (set by ``uv run``), next to our Python,
    ``~/.local/bin`` (uv's installer) and ``~/.cargo/bin``.
    """
    found = shutil.which("uv")
    if found:
        return found
    import sys

    home = Path.home()
    candidates = [
        os.environ.get("UV"),
        os.path.join(os.path.dirname(sys.executable), "uv"),
        str(home / ".local" / "bin" / "uv"),
        str(home / ".cargo" / "bin" / "uv"),
    ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def has_pip(python: str | None = None) -> bool:
    import importlib.util
    import sys

    if python is None or os.path.realpath(python) == os.path.realpath(sys.executable):
        return importlib.util.find_spec("pip") is not None
    import subprocess

    return subprocess.run([python, "-c", "import pip"], capture_output=True).returncode == 0


def ensure_gate_installer() -> str | None:
    """Make FTL2's gate build find an installer: append a uv found off PATH to PATH.

    Appended, not prepended, so nothing else on PATH changes meaning. Returns the
    one-line fix when there is neither uv nor pip (the build would fail with pip's
    traceback), else None.
    """
    import sys

    uv = find_uv()
    if uv is not None:
        if shutil.which("uv") is None:
            os.environ["PATH"] = os.pathsep.join(filter(None, [os.environ.get("PATH", ""), os.path.dirname(uv)]))
        return None
    if has_pip():
        return None
    return NO_INSTALLER_FIX.format(python=sys.executable)


def build_gates(output_dir: str, interpreters: list[str] | None = None, modules: list[str] | None = None) -> list[str]:
    """Build one gate per interpreter with FTL2's builder; returns the written paths.

    Raises ``GateBuildError`` (one line) instead of FTL2's chained tracebacks.
    """
    missing = ensure_gate_installer()
    if missing:
        raise GateBuildError(missing)
    from ftl2.exceptions import FTL2Error
    from ftl2.gate import GateBuildConfig, GateBuilder
    from ftl2.types import ExecutionConfig

    target = Path(output_dir)
    target.mkdir(parents=True, exist_ok=True)
    builder = GateBuilder(target)
    # Describe the gate exactly as FTL2's AutomationContext does when it first contacts a host
    # (module_name="ping", the script's gate_modules, no extra dependencies), so the hashes match.
    execution = ExecutionConfig(module_name="ping", modules=list(modules or []), dependencies=[])
    written = []
    for interpreter in interpreters or list(DEFAULT_INTERPRETERS):
        config = GateBuildConfig(
            modules=list(execution.modules),
            module_dirs=list(execution.module_dirs),
            dependencies=list(execution.dependencies or []),
            interpreter=interpreter,
        )
        try:
            path, _hash = builder.build(config)
        except (FTL2Error, OSError) as exc:
            raise GateBuildError(f"building the gate for {interpreter} failed: {one_line(str(exc))}") from exc
        written.append(path)
    return written


JOB_GATE_CACHE = ".ftl2-runner-gates"


def job_gate_cache() -> Path | None:
    """The job's own gate cache, in its data dir (beside ``artifacts/<ident>``); None outside ansible-runner.

    FTL2 builds and caches gates in ``~/.ftl``, shared by every job of the node's user: one job's
    script could put a gate there that the next job deploys to *its* hosts, and nothing of a job
    may be written outside its data dir. So the executor points FTL2's builder here
    (``use_job_gate_cache``); prebuilt gates (``FTL2_RUNNER_GATE_DIR``, the EE's
    ``/opt/ftl2/gates``) are copied in at the job's start, so no job builds one.
    """
    artifact_dir = os.environ.get("AWX_ISOLATED_DATA_DIR")
    return Path(artifact_dir).parent / JOB_GATE_CACHE if artifact_dir else None


def use_job_gate_cache(context: Any, cache: Path) -> bool:
    """Make an entered ``ftl2.automation()`` context build and find gates in ``cache``.

    FTL2 0.4.7 has no setting for it: ``AutomationContext.__aenter__`` gives its remote runner a
    ``GateBuilder()`` on ``~/.ftl``; it is replaced by one on ``cache`` whose builds also keep uv's
    download cache there (``UV_CACHE_DIR``, for the build only: it runs synchronously in the event
    loop's thread; the installer's output is ``installer_output``'s). False when FTL2 changed shape.
    """
    runner = getattr(context, "_remote_runner", None)
    if runner is None or not hasattr(runner, "gate_builder"):
        return False
    from ftl2.gate import GateBuilder

    class JobGateBuilder(GateBuilder):
        def build(self, config: Any) -> Any:
            saved = os.environ.get("UV_CACHE_DIR")
            os.environ["UV_CACHE_DIR"] = str(cache / "uv")
            try:
                return super().build(config)
            finally:
                if saved is None:
                    os.environ.pop("UV_CACHE_DIR", None)
                else:
                    os.environ["UV_CACHE_DIR"] = saved

    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    runner.gate_builder = JobGateBuilder(cache)
    return True


def seed_gate_cache(source_dir: str | None = None, caches: list[Path] | None = None) -> list[str]:
    """Copy prebuilt gates into FTL2's caches (default: FTL2's own) when they are not there yet."""
    source = Path(source_dir or os.environ.get("FTL2_RUNNER_GATE_DIR") or DEFAULT_GATE_DIR)
    if not source.is_dir():
        return []
    copied = []
    for cache in caches if caches is not None else ftl2_gate_caches():
        for gate in sorted(source.glob("ftl_gate_*.pyz")):
            destination = cache / gate.name
            if destination.exists():
                continue
            cache.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = destination.with_suffix(".tmp")
            shutil.copyfile(gate, tmp)
            os.chmod(tmp, 0o700)
            os.replace(tmp, destination)
            copied.append(str(destination))
    return copied


def one_line(text: str, limit: int = 400) -> str:
    """The gist of an installer's multi-line error: its last non-empty line, bounded."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "unknown error"
    head = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
    return head if len(head) <= limit else head[: limit - 3] + "..."
