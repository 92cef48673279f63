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


class FactCache:
    """Writes facts gathered during the job where ansible-runner's jsonfile cache puts them.

    One JSON file per host, ``fact_cache/<host>``, holding the host's facts — the file
    AWX reads after the job (it clears a host's facts when the file is missing, so
    files it sent in are never touched unless the host gathered new facts).
    """

    def __init__(self, directory: str | None):
        self.directory = directory

    def merge(self, host: str, facts: dict) -> None:
        if not self.directory or not facts or "/" in host or host in (".", ".."):
            return
        import json

        path = os.path.join(self.directory, host)
        current: dict = {}
        try:
            with open(path, encoding="utf-8") as handle:
                loaded = json.load(handle)
                current = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            pass
        current.update(facts)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(current, handle, sort_keys=True, indent=4, default=str)
        os.replace(tmp, path)
