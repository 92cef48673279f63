"""``setup`` (facts) on remote hosts, through FTL2's own gate.

FTL2 0.4.7 sends a remote host an Ansible module as a zip bundle whose entry point imports the
module file as a top-level ``ftl2_module``; ``setup`` imports its helpers relatively
(``from ..module_utils...``) and dies with ``ImportError: attempted relative import with no known
parent package``. The gate runs any zip bundle it is sent (``python bundle.zip``, arguments on
stdin), and FTL2 asks its bundle cache for the bundle of ``ansible.builtin.setup`` before building
one. So ftl2-runner adds a bundle of its own to that cache (``BundleCache.add``, FTL2's public
method on the context's cache): the ``ansible`` package FTL2 installs (its ``module_utils`` and
the ``setup`` module), and an entry point that runs ``ansible.modules.setup`` as a package module,
with sets in the facts written as lists, as ansible-core's module encoder does.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from functools import lru_cache
from typing import Any

FQCN = "ansible.builtin.setup"

_ENTRY_POINT = """\
import json, runpy, sys
_default = json.JSONEncoder.default
def _sets_as_lists(self, value):
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return _default(self, value)
json.JSONEncoder.default = _sets_as_lists
sys.path.insert(0, sys.argv[0])
runpy.run_module("ansible.modules.setup", run_name="__main__", alter_sys=True)
"""


@lru_cache(maxsize=1)
def bundle_bytes() -> bytes:
    """The zip: ``__main__.py``, ``ansible/__init__.py``, ``ansible/module_utils/**``, ``ansible/modules/setup.py``."""
    import ansible  # FTL2's copy of ansible's module files (never ansible-core: see the README)

    root = os.path.dirname(list(ansible.__path__)[0])
    wanted = [
        os.path.join("ansible", "__init__.py"),
        os.path.join("ansible", "modules", "__init__.py"),
        os.path.join("ansible", "modules", "setup.py"),
    ]
    for folder, dirs, files in os.walk(os.path.join(root, "ansible", "module_utils")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        wanted += [os.path.relpath(os.path.join(folder, f), root) for f in sorted(files) if f.endswith(".py")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("__main__.py", (1980, 1, 1, 0, 0, 0)), _ENTRY_POINT)
        for relative in wanted:
            info = zipfile.ZipInfo(relative.replace(os.sep, "/"), (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(os.path.join(root, relative), "rb") as handle:
                archive.writestr(info, handle.read())
    return buffer.getvalue()


def install(context: Any) -> bool:
    """Put our ``setup`` bundle in the FTL2 context's bundle cache; False if FTL2's layout changed."""
    cache = getattr(context, "_bundle_cache", None)
    if cache is None or not hasattr(cache, "add"):
        return False
    from pathlib import Path

    from ftl2.module_loading.bundle import Bundle, BundleInfo

    data = bundle_bytes()
    digest = hashlib.sha256(data).hexdigest()[:12]
    cache.add(
        Bundle(info=BundleInfo(fqcn=FQCN, content_hash=digest, size=len(data), module_path=Path("setup.py"), dependency_count=0), data=data)
    )
    return True
