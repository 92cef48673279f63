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

DEFAULT_GATE_DIR = "/opt/ftl2/gates"
# Interpreters FTL2 asks for: our inventory default ("python3") and FTL2's remote default.
DEFAULT_INTERPRETERS = ("python3", "/usr/bin/python3")


def ftl2_gate_caches() -> list[Path]:
    """Where FTL2 0.4.7 looks for built gates: the automation context's builder uses ``~/.ftl``,
    its lower-level runner defaults to ``~/.ftl2/gates``."""
    return [Path.home() / ".ftl", Path.home() / ".ftl2" / "gates"]


def build_gates(output_dir: str, interpreters: list[str] | None = None, modules: list[str] | None = None) -> list[str]:
    """Build one gate per interpreter with FTL2's builder; returns the written paths."""
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
        config = GateBuildConfig(modules=list(execution.modules), module_dirs=list(execution.module_dirs),
                                 dependencies=list(execution.dependencies or []), interpreter=interpreter)
        path, _hash = builder.build(config)
        written.append(path)
    return written


def seed_gate_cache(source_dir: str | None = None) -> list[str]:
    """Copy prebuilt gates into FTL2's cache when they are not there yet."""
    source = Path(source_dir or os.environ.get("FTL2_RUNNER_GATE_DIR") or DEFAULT_GATE_DIR)
    if not source.is_dir():
        return []
    copied = []
    for cache in ftl2_gate_caches():
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
