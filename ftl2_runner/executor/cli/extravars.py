"""Extra vars from ``-e`` values, merged left to right as ansible-playbook does.

Each value is ``@file`` (YAML or JSON, as ansible-runner writes ``env/extravars``),
inline JSON/YAML mapping, or ``key=value`` pairs. An unreadable or unparsable value
is an error the job must report, never silently ``{}``.

YAML is read with ansible-core's tags (:mod:`ftl2_runner.data.ansible_yaml`): AWX tags survey
answers and its own variables ``!unsafe``, a hand-made file may hold ``!vault`` values.
What ansible-core warns about while loading a file (a deprecated tag, a duplicate key) is
collected in :class:`ExtraVars` for the job to show.

A file under ``/runner/`` that is not there is AWX's path for a job that runs in an
execution environment or a container group, where the private data dir is mounted at
``/runner`` (a custom credential's ``-e @/runner/env/tmpXXXXXXXX``). ansible-playbook fails
such a job with an unrelated inventory error; the job fails here too, saying why.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from typing import Any

from ...data.ansible_yaml import LoadNotice

CONTAINER_ROOT = "/runner"


class ExtraVarsError(ValueError):
    pass


@dataclass
class ExtraVars:
    values: dict[str, Any] = field(default_factory=dict)
    notices: list[tuple[str, LoadNotice]] = field(default_factory=list)  # (file, notice)


def load_extra_vars(values: list[str]) -> dict[str, Any]:
    return load_extra_vars_with_notices(values).values


def load_extra_vars_with_notices(values: list[str]) -> ExtraVars:
    merged = ExtraVars()
    for value in values:
        merged.values.update(_load_one(value, merged.notices))
    return merged


def _load_one(value: str, notices: list[tuple[str, LoadNotice]]) -> dict[str, Any]:
    if value.startswith("@"):
        path = value[1:]
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise ExtraVarsError(f"could not read extra vars file {path}: {exc.strerror}{_container_hint(path)}") from exc
        return _parse_mapping(text, f"extra vars file {path}", notices, path)
    stripped = value.strip()
    if not stripped:
        return {}
    if stripped[0] in "{[":
        return _parse_mapping(stripped, "extra vars", notices, "<extra vars>")
    pairs: dict[str, Any] = {}
    for token in shlex.split(stripped):
        if "=" not in token:
            raise ExtraVarsError(f"invalid extra vars {value!r}: expected key=value, JSON or @file")
        key, _, item = token.partition("=")
        pairs[key] = item
    return pairs


def _container_hint(path: str) -> str:
    artifact_dir = os.environ.get("AWX_ISOLATED_DATA_DIR", "")
    data_dir = artifact_dir.rsplit("/artifacts/", 1)[0] if "/artifacts/" in artifact_dir else ""
    if not path.startswith(CONTAINER_ROOT + "/") or data_dir == CONTAINER_ROOT:
        return ""
    here = f" (this job's private data dir is {data_dir})" if data_dir else ""
    return (
        f" — AWX names files of the private data dir by their path inside an execution environment, where it is "
        f"mounted at {CONTAINER_ROOT}{here}; run jobs that use such credentials in an execution environment or a "
        "container group"
    )


def _parse_mapping(text: str, what: str, notices: list[tuple[str, LoadNotice]], source: str) -> dict[str, Any]:
    import yaml

    from ...data.ansible_yaml import load_with_notices

    if not text.strip():
        return {}
    try:
        loaded = load_with_notices(text)
    except yaml.YAMLError as exc:
        raise ExtraVarsError(f"could not parse {what}: {exc}") from exc
    notices.extend((source, notice) for notice in loaded.notices)
    data = loaded.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ExtraVarsError(f"{what} must be a mapping, got {type(data).__name__}")
    return data
