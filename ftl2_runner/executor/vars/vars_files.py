"""Variables read from files while a job runs: a play's ``vars_files`` and the ``include_vars`` action.

Both read YAML or JSON files the way inventory ``group_vars`` are read
(:func:`ftl2_runner.inventory.read_vars_file`), and find a relative name as ansible-core does:
under the playbook's ``vars/`` directory first, then in the playbook's directory. A missing
``vars_files`` entry is skipped, as ansible-core 2.21 skips it; an entry that is a list is the
first of its files that exists. ``include_vars`` answers as ansible-core's action answers:
``ansible_facts`` (the variables, or one variable ``name`` holding them) and
``ansible_included_var_files``, and its failures in the same words.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

# include_vars' defaults (its documented `extensions`).
_EXTENSIONS = ("yaml", "yml", "json")


class VarsFileError(Exception):
    """A variables file could not be found or read: the action's ``message``."""


def candidates(name: str, playbook_dir: str) -> list[str]:
    """Where ansible-core looks for a relative file of variables (``vars/`` of the playbook, then beside it)."""
    path = os.path.expanduser(name)
    if os.path.isabs(path):
        return [path]
    return [os.path.join(playbook_dir, "vars", path), os.path.join(playbook_dir, path)]


def _find(name: str, playbook_dir: str) -> str | None:
    return next((c for c in candidates(name, playbook_dir) if os.path.exists(c)), None)


def _read(path: str, secrets: Sequence[Any]) -> dict[str, Any]:
    """A file's variables, its ``!vault`` values decrypted with the job's vault passwords."""
    from ...data.vault import VaultError, decrypt_tree
    from ...inventory import InventoryError, read_vars_file

    try:
        found = read_vars_file(Path(path))
        return {key: decrypt_tree(value, list(secrets), f"{key} (variable of {path})") for key, value in found.items()}
    except (InventoryError, VaultError) as exc:
        raise VarsFileError(str(exc)) from exc


def read_vars_files(entries: list[Any], playbook_dir: str, render: Callable[[str], Any], secrets: Sequence[Any] = ()) -> dict[str, Any]:
    """A play's ``vars_files`` for one host, merged in order; ``render`` templates a name with the host's variables."""
    merged: dict[str, Any] = {}
    for entry in entries:
        names = entry if isinstance(entry, (list, tuple)) else [entry]
        for name in names:
            text = str(render(name) if isinstance(name, str) and ("{{" in name or "{%" in name) else name)
            found = _find(text, playbook_dir)
            if found is not None:
                merged.update(_read(found, secrets))
                break
    return merged


def include_vars(params: Mapping[str, Any], playbook_dir: str, secrets: Sequence[Any] = ()) -> dict[str, Any]:
    """``include_vars``' result: ``{"changed": False, "ansible_facts": ..., "ansible_included_var_files": [...]}``.

    Raises :class:`VarsFileError` with ansible-core's ``message`` when a file is missing or unreadable.
    """
    source = params.get("file", params.get("_raw_params"))
    directory = params.get("dir")
    if source is not None and directory is not None:
        raise VarsFileError("You are mixing file only and dir only arguments, these are incompatible")
    files: list[str]
    if directory is not None:
        files = _dir_files(str(directory), playbook_dir, params)
    elif source is not None:
        found = _find(str(source), playbook_dir)
        if found is None:
            searched = candidates(str(source), playbook_dir) * 2  # ansible-core lists its search path twice
            raise VarsFileError(
                f"Could not find or access '{source}'\nSearched in:\n\t" + "\n\t".join(searched) + " on the Ansible Controller."
            )
        files = [found]
    else:
        files = []
    merged: dict[str, Any] = {}
    merge = params.get("hash_behaviour") == "merge"
    for path in files:
        data = _read(path, secrets)
        merged = _merged(merged, data) if merge else {**merged, **data}
    name = params.get("name")
    facts = {str(name): merged} if name else merged
    # ansible-core's action result carries its own `_ansible_no_log`, between the facts and the files.
    return {"changed": False, "ansible_facts": facts, "_ansible_no_log": False, "ansible_included_var_files": files}


def _dir_files(directory: str, playbook_dir: str, params: Mapping[str, Any]) -> list[str]:
    found = os.path.join(playbook_dir, os.path.expanduser(directory))  # a directory is the playbook's, not under vars/
    if not os.path.isdir(found):
        raise VarsFileError(f"{found} directory does not exist")
    depth = int(params.get("depth") or 0)
    matching = re.compile(str(params["files_matching"])) if params.get("files_matching") else None
    ignored = set(params.get("ignore_files") or [])
    extensions = tuple(params.get("extensions") or _EXTENSIONS)
    unknown_ok = bool(params.get("ignore_unknown_extensions"))
    files: list[str] = []
    base_depth = found.rstrip(os.sep).count(os.sep)
    for root, dirs, names in os.walk(found):
        dirs.sort()
        if depth and root.count(os.sep) - base_depth >= depth:
            dirs[:] = []
        for name in sorted(names):
            if name in ignored or (matching is not None and not matching.search(name)):
                continue
            extension = name.rsplit(".", 1)[1] if "." in name else ""
            if extension not in extensions:
                if unknown_ok:
                    continue
                raise VarsFileError(f"{os.path.join(root, name)} does not have a valid extension: {', '.join(extensions)}")
            files.append(os.path.join(root, name))
    return files


def _merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out
