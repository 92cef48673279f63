"""Extra vars from ``-e`` values, merged left to right as ansible-playbook does.

Each value is ``@file`` (YAML or JSON, as ansible-runner writes ``env/extravars``),
inline JSON/YAML mapping, or ``key=value`` pairs. An unreadable or unparsable value
is an error the job must report, never silently ``{}``.
"""

from __future__ import annotations

import shlex
from typing import Any


class ExtraVarsError(ValueError):
    pass


def load_extra_vars(values: list[str]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for value in values:
        merged.update(_load_one(value))
    return merged


def _load_one(value: str) -> dict[str, Any]:
    import yaml

    if value.startswith("@"):
        path = value[1:]
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise ExtraVarsError(f"could not read extra vars file {path}: {exc.strerror}") from exc
        return _parse_mapping(text, f"extra vars file {path}", yaml)
    stripped = value.strip()
    if not stripped:
        return {}
    if stripped[0] in "{[":
        return _parse_mapping(stripped, "extra vars", yaml)
    pairs: dict[str, Any] = {}
    for token in shlex.split(stripped):
        if "=" not in token:
            raise ExtraVarsError(f"invalid extra vars {value!r}: expected key=value, JSON or @file")
        key, _, item = token.partition("=")
        pairs[key] = item
    return pairs


def _parse_mapping(text: str, what: str, yaml: Any) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ExtraVarsError(f"could not parse {what}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ExtraVarsError(f"{what} must be a mapping, got {type(data).__name__}")
    return data
