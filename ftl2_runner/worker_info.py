"""``worker --worker-info``: upstream's capacity probes, our version string.

AWX parses this with ``yaml.safe_load`` and records ``ansible-runner-<runner_version>``,
so the format is upstream's exactly (flow-style YAML, sorted keys, a trailing blank
line). It must stay fast: no ftl2 import on this path.
"""

from __future__ import annotations

from typing import Any


def collect_worker_info(version: str) -> dict[str, Any]:
    from ansible_runner.utils.capacity import ensure_uuid, get_cpu_count, get_mem_in_bytes

    errors: list[str] = []
    mem = get_mem_in_bytes()
    if not isinstance(mem, int):
        errors.append(mem)
        mem = None
    node_uuid: str | None = ensure_uuid()
    if node_uuid is not None and "Could not find" in node_uuid:
        errors.append(node_uuid)
        node_uuid = None
    return {"errors": errors, "mem_in_bytes": mem, "cpu_count": get_cpu_count(), "runner_version": version, "uuid": node_uuid}


def render_worker_info(info: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(info, default_flow_style=True) + "\n"
