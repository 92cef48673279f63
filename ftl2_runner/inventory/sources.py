"""Reads inventory sources the way Ansible's inventory plugins do.

Supported: AWX's executable inventory script (``--list`` JSON with ``_meta.hostvars``),
INI (``[g]``, ``[g:vars]``, ``[g:children]``, host ranges, ``key=value`` with Python
literals), YAML (``all: {hosts, vars, children}``), JSON in ``--list`` form, a
directory of such files, and ``group_vars/``/``host_vars/`` next to a source.

Why not ansible-core's parser: installing ansible-core next to ftl2 overwrites ftl2's
vendored ``ansible/`` files (see docs/design.md), so the worker's environment cannot
import it; these formats are small and well specified, and the compat suite checks
our results against ansible-core's.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

from .model import Inventory, VarsDir

_IGNORED_SUFFIXES = (".pyc", ".retry", ".orig", ".cfg", ".md", "~")
_RANGE_RE = re.compile(r"\[(?:([0-9]+):([0-9]+)|([a-z]):([a-z]))(?::([0-9]+))?\]")


class InventoryError(ValueError):
    pass


def load(source: str, script_timeout: float = 120) -> Inventory:
    inventory = Inventory()
    path = Path(source)
    if path.is_dir():
        for entry in sorted(path.iterdir()):
            if entry.name.startswith(".") or entry.name in ("group_vars", "host_vars") or entry.name.endswith(_IGNORED_SUFFIXES):
                continue
            if entry.is_file():
                _load_file(entry, inventory, script_timeout)
        inventory.adjacent = load_vars_dir(path)
    elif path.is_file():
        _load_file(path, inventory, script_timeout)
        inventory.adjacent = load_vars_dir(path.parent)
    else:
        raise InventoryError(f"inventory source {source} does not exist")
    inventory.sources.append(os.path.abspath(source))
    return inventory.finish()


def from_mapping(data: Any) -> Inventory:
    """An inventory given as data, as a YAML inventory file holds it (FTL2's ``automation(inventory={...})``)."""
    inventory = Inventory()
    if not isinstance(data, dict):
        raise InventoryError("an inventory given as data must be a mapping of groups")
    for name, body in data.items():
        _yaml_group(str(name), body, inventory)
    return inventory.finish()


def _load_file(path: Path, inventory: Inventory, script_timeout: float) -> None:
    known = set(inventory.host_vars)
    if os.access(path, os.X_OK) and path.suffix not in (".yml", ".yaml", ".json", ".ini"):
        _load_script(path, inventory, script_timeout)
    else:
        text = path.read_text(encoding="utf-8")
        stripped = text.lstrip()
        if path.suffix == ".json" or stripped.startswith("{"):
            _load_list_json(_parse_json(text, path), inventory)
        elif path.suffix in (".yml", ".yaml") or _looks_like_yaml(stripped):
            _load_yaml(text, path, inventory)
        else:
            _load_ini(text, path, inventory)
    for host in inventory.host_vars:  # inventory_file / inventory_dir: the source that named the host first
        if host not in known:
            inventory.host_sources.setdefault(host, os.path.abspath(path))


def _parse_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(f"inventory {path} is not valid JSON: {exc}") from exc


def _looks_like_yaml(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")), "")
    return not first.startswith("[") and re.match(r"^[\w.-]+:\s*(#.*)?$", first) is not None


def _load_script(path: Path, inventory: Inventory, timeout: float) -> None:
    try:
        done = subprocess.run([str(path), "--list"], capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InventoryError(f"inventory script {path} could not be run: {exc}") from exc
    if done.returncode != 0:
        raise InventoryError(f"inventory script {path} failed ({done.returncode}): {done.stderr.decode(errors='replace')[:500]}")
    data = _parse_json(done.stdout.decode("utf-8", "replace"), path)
    meta = data.get("_meta") if isinstance(data, dict) else None
    _load_list_json(data, inventory)
    if not isinstance(meta, dict) or "hostvars" not in meta:
        for host in inventory.hosts:  # old-style scripts answer --host per host
            try:
                single = subprocess.run([str(path), "--host", host], capture_output=True, timeout=timeout, check=False)
                inventory.host_vars[host].update(json.loads(single.stdout or b"{}"))
            except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
                pass


def _load_list_json(data: Any, inventory: Inventory) -> None:
    if not isinstance(data, dict):
        raise InventoryError("inventory JSON must be an object")
    hostvars = (data.get("_meta") or {}).get("hostvars") or {}
    for name, body in data.items():
        if name == "_meta":
            continue
        inventory.group(name)
        if isinstance(body, list):
            for host in body:
                inventory.add_host(str(host), name)
            continue
        if not isinstance(body, dict):
            continue
        for host in body.get("hosts") or []:
            inventory.add_host(str(host), name)
        inventory.group(name).vars.update(body.get("vars") or {})
        for child in body.get("children") or []:
            inventory.add_child(name, str(child))
    for host, variables in hostvars.items():
        inventory.add_host(str(host), None, variables or {})


def _load_yaml(text: str, path: Path, inventory: Inventory) -> None:
    import yaml

    from ..data import ansible_yaml

    try:
        data = ansible_yaml.load(text)
    except yaml.YAMLError as exc:
        raise InventoryError(f"inventory {path} is not valid YAML: {exc}") from exc
    if data is None:
        return
    if not isinstance(data, dict):
        raise InventoryError(f"inventory {path} must be a mapping of groups")
    for name, body in data.items():
        _yaml_group(str(name), body, inventory)


def _yaml_group(name: str, body: Any, inventory: Inventory) -> None:
    inventory.group(name)
    if not isinstance(body, dict):
        return
    for host, variables in (body.get("hosts") or {}).items():
        for expanded in expand_range(str(host)):
            inventory.add_host(expanded, name, variables if isinstance(variables, dict) else {})
    inventory.group(name).vars.update(body.get("vars") or {})
    for child, child_body in (body.get("children") or {}).items():
        inventory.add_child(name, str(child))
        _yaml_group(str(child), child_body, inventory)


def _load_ini(text: str, path: Path, inventory: Inventory) -> None:
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.fullmatch(r"\[([^\]:]+)(?::(\w+))?\]\s*(?:[#;].*)?", line)
        if header:
            section, kind = header.group(1).strip(), header.group(2) or "hosts"
            if kind not in ("hosts", "vars", "children"):
                raise InventoryError(f"{path}:{number}: unknown section type :{kind}")
            inventory.group(section)
            continue
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError as exc:
            raise InventoryError(f"{path}:{number}: {exc}") from exc
        if not tokens:
            continue
        if kind == "vars":
            key, sep, value = line.partition("=")
            if not sep:
                raise InventoryError(f"{path}:{number}: expected key=value in [{section}:vars]")
            inventory.group(section).vars[key.strip()] = _ini_value(value.strip())
        elif kind == "children":
            inventory.add_child(section, tokens[0])
        else:
            variables = {}
            for token in tokens[1:]:
                key, sep, value = token.partition("=")
                if not sep:
                    raise InventoryError(f"{path}:{number}: expected key=value after the host name, got {token!r}")
                variables[key] = _ini_value(value)
            host = tokens[0]
            port = None
            if re.fullmatch(r"[^:\[\]]+:\d+", host):
                host, port = host.rsplit(":", 1)
            for expanded in expand_range(host):
                host_variables = dict(variables)
                if port is not None:
                    host_variables.setdefault("ansible_port", int(port))
                inventory.add_host(expanded, None if section == "ungrouped" else section, host_variables)


def _ini_value(value: str) -> Any:
    """INI values are Python literals when they parse as one (``22`` is an int), else strings.

    Python's parser warns about some strings on the way (``/tmp/run-9if/key``: "invalid decimal
    literal"); such a value is a string, and the warning is not the job's business.
    """
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return value


def expand_range(name: str) -> list[str]:
    match = _RANGE_RE.search(name)
    if not match:
        return [name]
    head, tail = name[: match.start()], name[match.end() :]
    step = int(match.group(5) or 1)
    if match.group(1) is not None:
        start, end = match.group(1), match.group(2)
        width = len(start) if start.startswith("0") else 0
        values = [str(i).zfill(width) for i in range(int(start), int(end) + 1, step)]
    else:
        values = [chr(c) for c in range(ord(match.group(3)), ord(match.group(4)) + 1, step)]
    return [expanded for value in values for expanded in expand_range(head + value + tail)]


def load_vars_dir(directory: Path) -> VarsDir:
    """``group_vars/`` and ``host_vars/`` of ``directory``, as Ansible's ``host_group_vars`` plugin reads them:
    ``NAME``, ``NAME.yml``, ``NAME.yaml``, ``NAME.json`` or a directory ``NAME/`` of such files (sorted)."""
    found = VarsDir()
    for kind, into in (("group_vars", found.groups), ("host_vars", found.hosts)):
        base = directory / kind
        if not base.is_dir():
            continue
        for entry in sorted(base.iterdir()):
            if entry.name.startswith("."):
                continue
            name = entry.name if entry.is_dir() else entry.stem if entry.suffix in (".yml", ".yaml", ".json") else entry.name
            into.setdefault(name, {}).update(_read_vars(entry))
    return found


def read_vars_file(entry: Path) -> dict[str, Any]:
    """One variables file (YAML or JSON) or a directory of them, merged in name order; refused if unreadable."""
    return _read_vars(entry)


def _read_vars(entry: Path) -> dict[str, Any]:
    import yaml

    from ..data import ansible_yaml

    if entry.is_dir():
        merged: dict[str, Any] = {}
        for child in sorted(entry.iterdir()):
            merged.update(_read_vars(child))
        return merged
    try:
        data = ansible_yaml.load(entry.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InventoryError(f"could not read variables from {entry}: {exc}") from exc
    return data if isinstance(data, dict) else {}
