"""The one rule for "does this host run on this machine" (no SSH).

A host is local when FTL2 would run it locally: the names FTL2's proxies treat as this machine
(``local``, ``localhost``; ``localhost`` is also Ansible's implicit host), or a host whose
inventory says ``ansible_connection=local``. Everything that depends on it (check-mode support,
result shapes read from this machine's files, which FTL2 path a call takes) asks here.
"""

from __future__ import annotations

from typing import Any

# The names FTL2 0.4.7's shortcuts run on this machine whatever the inventory says.
FTL2_LOCAL_NAMES = frozenset(("local", "localhost"))


def is_local(host: str, context: Any) -> bool:
    """Whether ``host`` runs on this machine, given FTL2's ``AutomationContext`` (or None)."""
    if host in FTL2_LOCAL_NAMES:
        return True
    if context is None:
        return False
    try:
        configs = context.hosts[host]
    except (KeyError, AttributeError, TypeError):
        return False
    return bool(configs) and all(getattr(c, "is_local", False) for c in configs)
