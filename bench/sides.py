"""The other sides the bench measures, each in an environment of its own under ``.cache/``.

* ansible-runner + ansible-core + Mitogen's strategy plugin (``mitogen_linear``): the
  speed-up an AWX user can have without leaving playbooks.
* the older ftl2-runner (benthomasson/ftl2-runner), from a checkout the user provides
  (``--peer DIR``), installed with PyPI's ftl2 in a venv of its own; nothing of it is copied
  into this repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from compat.reference import ANSIBLE_CORE_VERSION, ANSIBLE_RUNNER_VERSION, REQUIREMENTS, cache_key

CACHE = Path(__file__).resolve().parent.parent / ".cache"
MITOGEN_VERSION = "0.3.54"
PEER_FTL2_VERSION = "0.4.7"


def _venv(directory: Path, stamp: str, *requirements: str, no_deps: tuple[str, ...] = ()) -> Path:
    """bin/ of a venv at ``directory`` holding ``requirements`` (made again when ``stamp`` changes)."""
    bin_dir, stamp_file = directory / "venv" / "bin", directory / "stamp"
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return bin_dir
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("the bench needs uv on PATH to build its comparison environments")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    env.pop("VIRTUAL_ENV", None)
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(directory / "venv")], check=True, env=env)
    install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(bin_dir / "python")]
    subprocess.run([*install, *requirements], check=True, env=env)
    if no_deps:
        subprocess.run([*install, "--no-deps", *no_deps], check=True, env=env)
    stamp_file.write_text(stamp)
    return bin_dir


def mitogen_env() -> Path:
    """bin/ of ansible-runner + ansible-core (the compat reference versions) + Mitogen."""
    pins = (f"ansible-runner=={ANSIBLE_RUNNER_VERSION}", f"ansible-core=={ANSIBLE_CORE_VERSION}", f"mitogen=={MITOGEN_VERSION}")
    # The reference environment's pins hold here too (cryptography among them), so the two
    # ansible-runner sides differ only by Mitogen.
    stamp = " ".join(pins) + f" reference={cache_key()} python={sys.version_info[:2]}"
    return _venv(CACHE / "bench-mitogen", stamp, "-c", str(REQUIREMENTS), *pins)


def mitogen_variables(bin_dir: Path) -> dict[str, str]:
    """What makes ansible-playbook run Mitogen's linear strategy (its documented set-up)."""
    site = subprocess.run(
        [str(bin_dir / "python"), "-c", "import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return {"ANSIBLE_STRATEGY_PLUGINS": os.path.join(site, "plugins", "strategy"), "ANSIBLE_STRATEGY": "mitogen_linear"}


def peer_env(checkout: Path) -> Path:
    """bin/ of the older ftl2-runner from ``checkout`` with PyPI's ftl2 (its own pin is a git URL)."""
    checkout = checkout.resolve()
    if not (checkout / "pyproject.toml").exists():
        raise RuntimeError(f"--peer {checkout}: not a checkout of ftl2-runner (no pyproject.toml)")
    head = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True)
    stamp = f"{checkout} {head.stdout.strip() or 'no-git'} ftl2=={PEER_FTL2_VERSION} python={sys.version_info[:2]}"
    return _venv(CACHE / "bench-peer", stamp, f"ftl2=={PEER_FTL2_VERSION}", "pyyaml", no_deps=(str(checkout),))
