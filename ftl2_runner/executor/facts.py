"""The jsonfile fact cache ansible-runner points jobs at (``ANSIBLE_CACHE_PLUGIN_CONNECTION``).

ansible-playbook's jsonfile cache plugin creates this directory when a playbook starts, so
it is in every job's artifacts; AWX reads per-host files from it after the job and clears
the facts of hosts whose file is missing. We create it the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def fact_cache_dir(environ: Mapping[str, str] = os.environ) -> str | None:
    if environ.get("ANSIBLE_CACHE_PLUGIN", "jsonfile") != "jsonfile":
        return None
    return environ.get("ANSIBLE_CACHE_PLUGIN_CONNECTION") or None


def prepare_fact_cache(environ: Mapping[str, str] = os.environ) -> str | None:
    path = fact_cache_dir(environ)
    if path:
        os.makedirs(path, exist_ok=True)
    return path
