"""The remote half of Ansible's ``script`` action, as a module our bundle ships (``ftl2_runner_script``).

ansible-core's ``script`` action checks ``creates``/``removes`` on the host, transfers the script into
the task's temporary directory, makes it executable and runs it with ``/bin/sh -c`` through the
connection's shell — over SSH with ``-tt``, so the script runs on a terminal: its stdout and stderr
both arrive as the terminal's output, each line ended ``\\r\\n``. FTL2 0.4.7 ships only the module's
documentation stub, which runs nothing. This module does those steps on the host, in one round trip
through FTL2's gate: the script arrives in its arguments (the entry point writes it into the task's
temporary directory, ``remote_modules.py``), and it runs on a pseudo-terminal as under ``ssh -tt``.
It answers with the command's exit ``status`` (the gate's own ``rc`` is dropped from results) and
the terminal's text; the action (``actions/script_action.py``) makes Ansible's result of it.
"""

from __future__ import annotations

SCRIPT_MODULE = r"""
import json, os, pty, subprocess
from ansible.module_utils import basic

args = json.loads(basic._ANSIBLE_ARGS)["ANSIBLE_MODULE_ARGS"]


def exists(path):
    return os.path.exists(os.path.expanduser(path))


def main():
    creates, removes = args.get("creates"), args.get("removes")
    if creates and exists(creates):
        return {"skipped": True, "msg": "%s exists, matching creates option" % creates}
    if removes and not exists(removes):
        return {"skipped": True, "msg": "%s does not exist, matching removes option" % removes}
    if args.get("check_only"):
        return {"checked": True}
    script = args["script"]
    os.chmod(script, 0o700)
    command = args["command"].replace("\x00SCRIPT\x00", script)
    if args.get("chdir"):
        command = "cd %s && %s" % (args["chdir"], command)
    primary, secondary = pty.openpty()
    process = subprocess.Popen(["/bin/sh", "-c", command], stdin=secondary, stdout=secondary, stderr=secondary,
                               start_new_session=True, close_fds=True)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:  # EIO: the terminal's last writer is gone
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    return {"status": process.wait(), "output": b"".join(chunks).decode("utf-8", "surrogateescape")}


print(json.dumps(main()))
"""
