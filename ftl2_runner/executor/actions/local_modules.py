"""Ansible's own modules run on this machine where FTL2's run of them differs: facts, ``file``, and the modules FTL2 refuses.

Each function is one host's call, chosen by :mod:`.router`:

* ``setup`` / ``gather_facts``: FTL2 cannot run ``setup`` (relative-import crash) and its
  ``gather_facts`` is a documentation stub returning ``{}``; the real module is run as a package
  module (:mod:`..ftl2.ansible_modules`).
* ``uri``, ``get_url``, ``service_facts``, ``user``, ``group``, ``pip``, ``dnf``: FTL2's native
  versions speak their own keys (HTTP only for ``uri``/``get_url``), or FTL2 refuses them for
  requirements it misreads; Ansible's modules run with the task's temporary directory.
* ``file``: FTL2's native module where it gives Ansible's answer, Ansible's own where it does not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..ftl2 import ansible_modules, user_result
from .shaping import PRESHAPED, shape_facts


async def gather_facts(params: Mapping[str, Any], check: bool, verbosity: int) -> dict[str, Any]:
    """Ansible's ``setup`` result: ``ansible_facts`` with the keys the controller adds."""
    args = {k: v for k, v in params.items() if k not in ("parallel",)}
    out = await ansible_modules.run_local("setup", args, check, False, verbosity)
    if out.get("failed"):
        return out
    return shape_facts({**out, "ansible_facts": out.get("ansible_facts", {})})


async def ansible_module(short: str, params: Mapping[str, Any], settings: Any) -> dict[str, Any]:
    """One of Ansible's modules FTL2 ships, run here with the task's temporary directory."""
    out = await ansible_modules.run_local(short, params, settings.check_mode, settings.diff, settings.verbosity, tmpdir=True)
    return user_result.with_groups(out) if short == "user" else out  # FTL2's user module is older than 2.21's


async def file_module(params: Mapping[str, Any], settings: Any) -> dict[str, Any]:
    """Ansible's own ``file`` module (results are put in ansible-core's key order by shaping)."""
    return await ansible_modules.run_local("file", params, settings.check_mode, settings.diff, settings.verbosity)


async def native_file_else_ansibles(params: Mapping[str, Any], settings: Any) -> Any:
    """FTL2's in-process ``file`` where it succeeds; Ansible's own module where it does not.

    FTL2's native ``file`` is fast and gives Ansible's answer when it succeeds, but refuses things
    Ansible does (it will not retarget an existing symlink without ``force``), words its failures
    its own way (``File does not exist`` for ``state: file``) and takes fewer arguments. It fails
    before changing anything, so then Ansible's module is asked, and its answer is reported. The
    native function is called directly: through FTL2's context it would also emit its own event.
    """
    from ftl2.ftl_modules import get_module

    native = get_module("file") if _native_file_agrees(params) else None
    try:
        out = native(**params) if native is not None else None
    except Exception:  # FTLModuleError, or an argument FTL2's version does not take
        out = None
    if isinstance(out, dict) and not out.get("failed"):
        return out
    return dict(await file_module(params, settings), **{PRESHAPED: True})


def _native_file_agrees(params: Mapping[str, Any]) -> bool:
    """Whether FTL2's native ``file`` would do what Ansible's does with ``params``, when it succeeds.

    Not for links (FTL2 links to a missing source, which Ansible refuses without ``force``) nor
    for ``touch`` under a missing directory (FTL2 creates the directory, Ansible fails).
    """
    state = params.get("state")
    if state in (None, "file", "directory", "absent"):
        return True
    path = params.get("path") or params.get("dest")
    return state == "touch" and isinstance(path, str) and os.path.isdir(os.path.dirname(os.path.abspath(path)))
