"""The reference environment: real ansible-runner and ansible-core in their own virtualenv.

ansible-core must never be installed next to ftl2 (its files overwrite ftl2's vendored
``ansible/`` modules), so the harness creates a separate venv with uv, on demand, in an
ignored cache directory, with the versions pinned below.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ANSIBLE_RUNNER_VERSION = "2.4.3"
ANSIBLE_CORE_VERSION = "2.21.5"
# cryptography 51 warns that DSA is deprecated when ansible-core imports its ssh-agent client,
# on stderr, which reaches the stream as two `verbose` lines in every case with an sshd target:
# the reference keeps the release ftl2-runner's own lock file has (uv.lock).
CRYPTOGRAPHY_PIN = "cryptography<51"
CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "compat-refenv"


def _stamp() -> str:
    versions = f"ansible-runner=={ANSIBLE_RUNNER_VERSION} ansible-core=={ANSIBLE_CORE_VERSION} {CRYPTOGRAPHY_PIN}"
    return f"{versions} python={sys.version_info[:2]} bytecode"


def ensure_reference_env(cache_dir: Path = CACHE_DIR) -> Path:
    """Return the bin/ directory of the reference venv, creating it if needed."""
    stamp_file = cache_dir / "stamp"
    bin_dir = cache_dir / "venv" / "bin"
    if stamp_file.exists() and stamp_file.read_text() == _stamp() and (bin_dir / "ansible-runner").exists():
        return bin_dir
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("the compat harness needs uv on PATH to build its reference environment")
    shutil.rmtree(cache_dir, ignore_errors=True)
    cache_dir.mkdir(parents=True)
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    env.pop("VIRTUAL_ENV", None)
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(cache_dir / "venv")], check=True, env=env)
    subprocess.run(
        [
            # Bytecode is compiled at install time, as pip does in an execution environment:
            # with PYTHONDONTWRITEBYTECODE set, every run would otherwise compile ansible-core
            # from source, and the benchmark would compare compile times instead of runners.
            uv,
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",
            "--python",
            str(bin_dir / "python"),
            f"ansible-runner=={ANSIBLE_RUNNER_VERSION}",
            f"ansible-core=={ANSIBLE_CORE_VERSION}",
            CRYPTOGRAPHY_PIN,
        ],
        check=True,
        env=env,
    )
    stamp_file.write_text(_stamp())
    return bin_dir
