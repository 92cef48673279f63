"""Ansible's own modules on remote hosts, through FTL2's gate, where FTL2's way differs from Ansible's.

FTL2 0.4.7 sends a remote host an Ansible module as a zip bundle whose entry point imports the
module file as a top-level ``ftl2_module``: ``setup`` imports its helpers relatively
(``from ..module_utils...``) and dies with ``ImportError: attempted relative import with no known
parent package``; ``file`` runs as FTL2's own lean module instead of Ansible's (no ``uid``,
``mode``...). The gate runs any zip bundle it is sent (``python bundle.zip``, arguments on stdin),
and FTL2 takes the bundle of a module that is not one of its own from its bundle cache before
building one. So ftl2-runner adds bundles of its own to that cache (``BundleCache.add``, FTL2's
public method on the context's cache), under a module name of ours (``ftl2_runner_ansible.<name>``,
which FTL2 has no native module for): the ``ansible`` package FTL2 installs (its ``module_utils``
and the module), and an entry point that runs ``ansible.modules.<name>`` as a package module,
with sets and bytes in the result written as lists and text, as ansible-core's module encoder does.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from functools import cache
from typing import Any

PREFIX = "ftl2_runner_ansible."
# Modules whose remote result FTL2 gets wrong, run as Ansible's own (pure modules: no action plugin).
REMOTE_AS_ANSIBLE = frozenset(("setup", "file", "stat"))

_ENTRY_POINT = """
import runpy, sys
sys.path.insert(0, sys.argv[0])
runpy.run_module("ansible.modules.%s", run_name="__main__", alter_sys=True)
"""
_EPOCH = (1980, 1, 1, 0, 0, 0)


@cache
def bundle_bytes(name: str) -> bytes:
    """The zip: ``__main__.py``, ``ansible/__init__.py``, ``ansible/module_utils/**``, ``ansible/modules/<name>.py``."""
    import ansible  # FTL2's copy of ansible's module files (never ansible-core: see the README)

    root = os.path.dirname(list(ansible.__path__)[0])
    wanted = [
        os.path.join("ansible", "__init__.py"),
        os.path.join("ansible", "modules", "__init__.py"),
        os.path.join("ansible", "modules", f"{name}.py"),
    ]
    for folder, dirs, files in os.walk(os.path.join(root, "ansible", "module_utils")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        wanted += [os.path.relpath(os.path.join(folder, f), root) for f in sorted(files) if f.endswith(".py")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        from ..ansible_modules import ENCODER_PATCH

        archive.writestr(zipfile.ZipInfo("__main__.py", _EPOCH), ENCODER_PATCH + _ENTRY_POINT % name)
        for relative in wanted:
            info = zipfile.ZipInfo(relative.replace(os.sep, "/"), _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(os.path.join(root, relative), "rb") as handle:
                archive.writestr(info, handle.read())
    return buffer.getvalue()


def module_name_for(context: Any, name: str) -> str | None:
    """Our bundle of Ansible's ``name`` in the context's bundle cache, and the module name that runs it.

    None when FTL2's layout is not what this workaround knows (the call then goes to FTL2 as written).
    """
    cache = getattr(context, "_bundle_cache", None)
    if cache is None or not hasattr(cache, "add"):
        return None
    from pathlib import Path

    from ftl2.module_loading.bundle import Bundle, BundleInfo

    fqcn = PREFIX + name
    data = bundle_bytes(name)
    digest = hashlib.sha256(data).hexdigest()[:12]
    info = BundleInfo(fqcn=fqcn, content_hash=digest, size=len(data), module_path=Path(f"{name}.py"), dependency_count=0)
    cache.add(Bundle(info=info, data=data))
    return fqcn
