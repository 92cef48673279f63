"""Chooses the inventory file handed to FTL2 and to the script.

ansible-runner passes ``-i <pdd>/inventory`` (a directory) when the job has one;
FTL2 0.4.7 accepts files or executable scripts only, and takes a missing path as
"localhost only" without a word. So a directory resolves to its ``hosts`` file (what
AWX writes) or its single file, and anything we cannot use is reported.
"""

from __future__ import annotations

import os


def resolve_inventory_path(inventories: list[str]) -> tuple[str | None, list[str]]:
    """Return ``(path or None, warnings)``."""
    warnings: list[str] = []
    if not inventories:
        return None, warnings
    if len(inventories) > 1:
        warnings.append(f"only the first inventory is used by FTL2 scripts; ignored: {', '.join(inventories[1:])}")
    source = inventories[0]
    if os.path.isdir(source):
        files = sorted(name for name in os.listdir(source) if not name.startswith(".") and os.path.isfile(os.path.join(source, name)))
        if "hosts" in files:
            return os.path.abspath(os.path.join(source, "hosts")), warnings
        if len(files) == 1:
            return os.path.abspath(os.path.join(source, files[0])), warnings
        if not files:
            warnings.append(f"inventory directory {source} is empty; running against localhost only")
            return None, warnings
        warnings.append(f"inventory directory {source} has several files; using {files[0]}")
        return os.path.abspath(os.path.join(source, files[0])), warnings
    if os.path.exists(source):
        return os.path.abspath(source), warnings
    if "," in source:
        warnings.append(f"host list inventories ({source!r}) are not supported for FTL2 scripts; using localhost only")
        return None, warnings
    warnings.append(f"Unable to parse {source} as an inventory source; running against localhost only")
    return None, warnings
