"""``serial:``: the batches a play's hosts run in, with Ansible's rules for counts and percentages."""

from __future__ import annotations


def _size(value: int | str, total: int) -> int:
    if isinstance(value, str) and value.strip().endswith("%"):
        size = int(total * float(value.strip()[:-1]) / 100.0)
    else:
        size = int(value)
    return max(1, size) if size > 0 or total else 1


def batches(hosts: list[str], serial: int | str | list[int | str]) -> list[list[str]]:
    """Split ``hosts`` into batches: a count, a percentage, or a list of them whose last one repeats.

    ``serial: 0`` (or a size of at least every host) is one batch, as in Ansible.
    """
    sizes = list(serial) if isinstance(serial, list) else [serial]
    if not sizes:
        return [list(hosts)]
    out: list[list[str]] = []
    remaining = list(hosts)
    index = 0
    while remaining:
        value = sizes[min(index, len(sizes) - 1)]
        size = _size(value, len(hosts)) if value not in (0, "0") else len(remaining)
        out.append(remaining[:size])
        remaining = remaining[size:]
        index += 1
    return out
