"""The reference environment: real ansible-runner and ansible-core in their own virtualenv.

ansible-core must never be installed next to ftl2 (its files overwrite ftl2's vendored
``ansible/`` modules), so the harness creates a separate venv with uv, on demand, in an
ignored cache directory.

Every package of that venv is pinned in ``reference-requirements.txt`` (transitive ones too):
an unpinned dependency once let a fresh machine get a newer cryptography whose deprecation
warning ansible-core prints at every start, and every compat case differed by it while
machines with an older cache stayed green. The cache directory is named after a hash of that
file and the Python version, so a changed pin can never be served by a stale environment.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent / "reference-requirements.txt"
CACHE_ROOT = Path(__file__).resolve().parent.parent / ".cache" / "compat-refenv"


def pinned_versions(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """``{package: version}`` of every ``name==version`` line of the requirements file."""
    pins = {}
    for line in requirements.read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.split("#", 1)[0].strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


ANSIBLE_RUNNER_VERSION = pinned_versions()["ansible-runner"]
ANSIBLE_CORE_VERSION = pinned_versions()["ansible-core"]


def cache_key(requirements: Path = REQUIREMENTS) -> str:
    """What the environment is made of: the pins' bytes and the interpreter's version."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"python={sys.version_info[:2]}".encode())
    return digest.hexdigest()[:16]


def ensure_reference_env(cache_root: Path = CACHE_ROOT, requirements: Path = REQUIREMENTS) -> Path:
    """Return the bin/ directory of the reference venv, creating it if needed."""
    directory = cache_root / cache_key(requirements)
    bin_dir = directory / "venv" / "bin"
    done = directory / "complete"
    if done.exists() and (bin_dir / "ansible-runner").exists():
        return bin_dir
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("the compat harness needs uv on PATH to build its reference environment")
    # One environment at a time: the previous pins' environment (and the pre-hash layout) go.
    shutil.rmtree(cache_root, ignore_errors=True)
    directory.mkdir(parents=True)
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    env.pop("VIRTUAL_ENV", None)
    python = str(bin_dir / "python")
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(directory / "venv")], check=True, env=env)
    # `pip sync` installs exactly the file's set and resolves nothing: a dependency missing from
    # the file is not fetched at whatever version is newest, `pip check` then names it instead.
    # Bytecode is compiled at install time, as pip does in an execution environment: with
    # PYTHONDONTWRITEBYTECODE set, every run would otherwise compile ansible-core from source,
    # and the benchmark would compare compile times instead of runners.
    subprocess.run([uv, "pip", "sync", "--quiet", "--compile-bytecode", "--python", python, str(requirements)], check=True, env=env)
    subprocess.run([uv, "pip", "check", "--quiet", "--python", python], check=True, env=env)
    done.write_text(f"{requirements.name} {cache_key(requirements)}\n")
    return bin_dir
