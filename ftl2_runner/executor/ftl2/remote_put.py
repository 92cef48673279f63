"""A file larger than one gate message, sent to a remote host in parts before the module that uses it.

A file an action sends travels in the module's arguments (:mod:`.remote_modules`), and FTL2's gate
refuses a message over 64 MiB (base64: a file of about 48 MiB). Ansible has no such limit: its
connection puts the file over SFTP/SCP. Here a larger file goes first in parts of :data:`PART` bytes,
each one call of a small module of ours (``ftl2_runner_put_part``, shipped in the library as the
``script`` step is) that writes its part at its offset into a staging file under the host's
``~/.ansible/tmp``; the module call then names the staging file (``put["staged"]``) instead of
carrying the data, and the entry point moves it into the task's temporary directory, where the
one-message put would have written it. Every part goes through FTL2's gate with the inventory's
connection (key, user, port), as every other step does; a failed part removes the staging file.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

# Bytes per part: 16 MiB, about 21 MiB in base64, well inside the gate's 64 MiB messages.
PART = 16 * 1024 * 1024

PUT_PART_MODULE = r"""
import base64, json, os
from ansible.module_utils import basic

args = json.loads(basic._ANSIBLE_ARGS)["ANSIBLE_MODULE_ARGS"]


def main():
    base = os.path.expanduser("~/.ansible/tmp")
    os.makedirs(base, mode=0o700, exist_ok=True)
    path = os.path.join(base, os.path.basename(args["name"]))
    if args.get("remove"):
        if os.path.exists(path):
            os.remove(path)
        return {"changed": False}
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if args["offset"] == 0 else 0)
    handle = os.open(path, flags, 0o600)
    try:
        os.lseek(handle, args["offset"], os.SEEK_SET)
        os.write(handle, base64.b64decode(args["data"]))
    finally:
        os.close(handle)
    return {"changed": False, "size": os.path.getsize(path)}


print(json.dumps(main()))
"""


class PutFailed(Exception):
    """A part could not be written: the module's result (or FTL2's unreachable result) says why."""

    def __init__(self, result: Any):
        super().__init__(str(result.get("msg") if isinstance(result, dict) else getattr(result, "error", result)))
        self.result = result


async def put(send: Callable[[str, dict[str, Any]], Awaitable[Any]], arg: str, name: str, data: bytes) -> dict[str, Any]:
    """The ``put`` for :func:`.remote_modules.run_module`: inline when the file fits in one part, else staged
    first; ``send(module, args)`` runs one of our modules on the host (``run_module`` for that host)."""
    if len(data) <= PART:
        return {"arg": arg, "name": name, "data": base64.b64encode(data).decode("ascii")}
    staged = f"ftl2-runner-put-{secrets.token_hex(8)}"
    for offset in range(0, len(data), PART):
        part = base64.b64encode(data[offset : offset + PART]).decode("ascii")
        result = await send("ftl2_runner_put_part", {"name": staged, "offset": offset, "data": part})
        if not isinstance(result, dict) or result.get("failed"):
            if isinstance(result, dict):
                await send("ftl2_runner_put_part", {"name": staged, "remove": True})
            raise PutFailed(result)
    return {"arg": arg, "name": name, "staged": staged}
