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


# ansible-core 2.21 wraps every cache entry: the key gets the schema prefix `s1_` and the value is
# {"__payload__": "<the facts as JSON text>"} (ansible/_internal/_plugins/_cache.py), written by
# the jsonfile plugin with plain json.dumps, mode 0644.
SCHEMA_PREFIX = "s1_"
PAYLOAD_KEY = "__payload__"
_UNSAFE_IN_KEYS = ("/", "..", "<", ">", "|")
_FILE_MODE = 0o644


def cache_file_name(host: str) -> str:
    """The file name ansible-core's file cache uses for a host (a hash when the name is not path-safe)."""
    import hashlib

    key = SCHEMA_PREFIX + host
    if any(bad in key for bad in _UNSAFE_IN_KEYS):
        return hashlib.sha256(key.encode()).hexdigest()[: max(len(key), 12)]
    return key


def encode_entry(facts: dict) -> str:
    import json

    return json.dumps({PAYLOAD_KEY: json.dumps(facts)})


def decode_entry(text: str) -> dict:
    import json

    loaded = json.loads(text)
    if isinstance(loaded, dict) and isinstance(loaded.get(PAYLOAD_KEY), str):
        facts = json.loads(loaded[PAYLOAD_KEY])
        return facts if isinstance(facts, dict) else {}
    return {}


class FactCache:
    """Writes facts gathered during the job where ansible-runner's jsonfile cache puts them.

    One file per host, byte for byte as ansible-core 2.21's jsonfile cache writes it
    (``fact_cache/s1_<host>``, see above): AWX reads these after the job and clears the facts of
    hosts whose file is missing, so files it sent in are never touched unless the host gathered
    new facts. New facts are merged over the cached ones (first level), as Ansible does.
    """

    def __init__(self, directory: str | None):
        self.directory = directory

    def touch(self, host: str) -> None:
        """What a ``debug`` task leaves: ansible-core 2.21 stores its (empty) cacheable facts for the host."""
        self.merge(host, {}, empty_ok=True)

    def merge(self, host: str, facts: dict, empty_ok: bool = False) -> None:
        if not self.directory or not (facts or empty_ok):
            return
        import tempfile

        path = os.path.join(self.directory, cache_file_name(host))
        current: dict = {}
        try:
            with open(path, encoding="utf-8") as handle:
                current = decode_entry(handle.read())
        except (OSError, ValueError):
            pass
        current.update(facts)
        os.makedirs(self.directory, exist_ok=True)
        handle_fd, tmp = tempfile.mkstemp(dir=self.directory)
        try:
            with os.fdopen(handle_fd, "w", encoding="utf-8") as handle:
                handle.write(encode_entry(current))
            os.replace(tmp, path)
            os.chmod(path, _FILE_MODE)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
