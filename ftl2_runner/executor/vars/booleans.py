"""Ansible's booleans: how a setting, an option or the ``bool`` filter reads ``yes``/``on``/``1``...

ansible-core converts environment settings (``ANSIBLE_NOCOLOR``), module options given as text
(``aggregate: "yes"``) and ``| bool`` the same way; one rule here keeps them the same.
"""

from __future__ import annotations

from typing import Any

_TRUE = frozenset(("1", "true", "yes", "on", "y", "t"))


def ansible_bool(value: Any) -> bool:
    """A string is true only as one of Ansible's true words; anything else by Python's truth (None: false)."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)
