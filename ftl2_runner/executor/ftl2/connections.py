"""A host's connection closed, so that the next task opens a new one (``meta: reset_connection``).

ansible-core's ``reset_connection`` closes the host's persistent connection (OpenSSH's control
master): the next task logs in again, picking up what changed on the host (a user's new groups, a
changed ``ansible_user``). FTL2 0.4.7 keeps, per host, its gate processes (``gate_cache``, keyed by
the host's name, or ``name:become``) and the SSH connection of its shortcuts; it closes both only when
a host is removed (``remove_host``). This closes them the same way without removing the host.
"""

from __future__ import annotations

from typing import Any


async def reset_connection(context: Any, host: str) -> bool:
    """Close ``host``'s gates and SSH connection in FTL2's context; False when FTL2 has none open for it."""
    closed = False
    runner: Any = getattr(context, "_remote_runner", None)
    cache = getattr(runner, "gate_cache", None)
    if isinstance(cache, dict):
        for key in [k for k in cache if k == host or str(k).startswith(f"{host}:")]:
            gate = cache.pop(key)
            try:
                await runner._close_gate(gate)
            except Exception:  # a gate that is already gone is closed enough
                pass
            closed = True
    connections = getattr(context, "_ssh_connections", None)
    if isinstance(connections, dict):
        ssh = connections.pop(host, None)
        if ssh is not None:
            try:
                await ssh.disconnect()
            except Exception:
                pass
            closed = True
    return closed
