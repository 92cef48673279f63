"""Ansible's own modules on remote hosts, through FTL2's gate, where FTL2's way differs from Ansible's.

FTL2 0.4.7 sends a remote host an Ansible module as a zip bundle whose entry point imports the
module file as a top-level ``ftl2_module``: ``setup`` imports its helpers relatively
(``from ..module_utils...``) and dies with ``ImportError: attempted relative import with no known
parent package``; ``file`` runs as FTL2's own lean module instead of Ansible's (no ``uid``,
``mode``...). The gate runs any zip bundle it is sent (``python bundle.zip``, arguments on stdin),
and FTL2 takes the bundle of a module that is not one of its own from its bundle cache before
building one. So ftl2-runner adds bundles of its own to that cache (``BundleCache.add``, FTL2's
public method on the context's cache), under a module name of ours (``ftl2_runner_ansible.<name>``,
which FTL2 has no native module for): the ``ansible`` package FTL2 installs (its ``module_utils``
and the module), and an entry point that runs ``ansible.modules.<name>`` as a package module,
with sets and bytes in the result written as lists and text, as ansible-core's module encoder does.

The gate has no file transfer of its own, and FTL2's SFTP copy opens a connection that ignores the
inventory's key file. A file an action sends to the host (``copy``'s source) therefore travels in
the module's arguments (``_ftl2_runner_put``: base64 data and a file name): the entry point writes it
into a task temporary directory named as ansible-core names it (``~/.ansible/tmp/ansible-tmp-...``),
gives the module its path, and removes the directory when the module ends — Ansible's
put-then-run, in one round trip. (FTL2's gate messages are limited to 64 MiB.) ``_ftl2_runner_tmpdir``
asks for that directory alone (``_ansible_tmpdir``), for modules that write files there.
``_ftl2_runner_environment`` is a task's ``environment:``, set in the module's process before it
runs (ansible-core prefixes the module's command with it). The module's result is printed under one
key (``ENVELOPE``), because FTL2's gate would otherwise mistake a result's own ``stdout`` for the
module's output.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from functools import cache
from typing import Any

from .remote_script import SCRIPT_MODULE

PREFIX = "ftl2_runner_ansible."
# Modules of Ansible's that an action plugin runs (or replaces) on the controller, or that FTL2 answers its
# own way on purpose: never sent as a plain module.
_NOT_PLAIN = frozenset(
    ("ping", "script", "raw", "package", "service", "fetch", "async_status", "async_wrapper", "gather_facts", "setup", "debug")
)


def is_plain_ansible_module(name: str) -> bool:
    """One of Ansible's modules that FTL2 has no native version of and no action plugin wraps (``lineinfile``,
    ``find``, ``service_facts``...): FTL2's remote run of it adds the gate's ``rc`` to its result and never sends
    ``_ansible_check_mode``/``_ansible_diff``, so ftl2-runner sends it in its own bundle."""
    if name in _NOT_PLAIN or "." in name:
        return False
    from ftl2.ftl_modules import get_module

    if get_module(name) is not None:
        return False
    import ansible

    return os.path.isfile(os.path.join(list(ansible.__path__)[0], "modules", f"{name}.py"))


# Modules that report files they write into the task's temporary directory (get_url's `src`): the entry
# point makes one (``_ftl2_runner_tmpdir``), as ansible-core's controller does for every task.
WITH_TASK_TMPDIR = frozenset(("uri", "get_url"))

# Steps of Ansible's actions that are not a module of Ansible's, shipped in our bundle as if they were one.
OWN_MODULES = {"ftl2_runner_script": SCRIPT_MODULE}

_ENTRY_POINT = """
import base64, json, os, random, runpy, shutil, sys, time
sys.path.insert(0, sys.argv[0])
_params = json.loads(sys.stdin.buffer.read() or b"{}")
_args = _params.setdefault("ANSIBLE_MODULE_ARGS", {})
_put, _tmp = _args.pop("_ftl2_runner_put", None), None
os.environ.update(_args.pop("_ftl2_runner_environment", None) or {})
if _args.pop("_ftl2_runner_tmpdir", False) or _put:
    _base = os.path.expanduser("~/.ansible/tmp")
    os.makedirs(_base, mode=0o700, exist_ok=True)
    _tmp = os.path.join(_base, "ansible-tmp-%%s-%%s-%%s" %% (time.time(), os.getpid(), random.randint(0, 2**48)))
    os.mkdir(_tmp, 0o700)
    _args["_ansible_tmpdir"] = _tmp
if _put:
    _path = os.path.join(_tmp, _put["name"])
    with open(_path, "wb") as _handle:
        _handle.write(base64.b64decode(_put["data"]))
    _args[_put["arg"]] = _path
from ansible.module_utils import basic
basic._ANSIBLE_ARGS = json.dumps(_params).encode()
import io
_out, _stdout, _status = io.StringIO(), sys.stdout, 0
sys.stdout = _out
try:
    runpy.run_module("ansible.modules.%s", run_name="__main__", alter_sys=True)
except SystemExit as _exit:
    _status = _exit.code if isinstance(_exit.code, int) else 1
finally:
    sys.stdout = _stdout
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)
_text = _out.getvalue()
for _line in reversed(_text.strip().splitlines()):
    try:
        _result = json.loads(_line)
    except ValueError:
        continue
    if isinstance(_result, dict):
        _text = json.dumps({"%s": _result})
        break
sys.stdout.write(_text)
sys.stdout.flush()
sys.exit(_status)
"""
_EPOCH = (1980, 1, 1, 0, 0, 0)


@cache
def bundle_bytes(name: str) -> bytes:
    """The zip: ``__main__.py``, ``ansible/__init__.py``, ``ansible/module_utils/**``, ``ansible/modules/<name>.py``."""
    import ansible  # FTL2's copy of ansible's module files (never ansible-core: see the README)

    root = os.path.dirname(list(ansible.__path__)[0])
    own = OWN_MODULES.get(name)
    wanted = [
        os.path.join("ansible", "__init__.py"),
        os.path.join("ansible", "modules", "__init__.py"),
    ]
    if own is None:
        wanted.append(os.path.join("ansible", "modules", f"{name}.py"))
    for folder, dirs, files in os.walk(os.path.join(root, "ansible", "module_utils")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        wanted += [os.path.relpath(os.path.join(folder, f), root) for f in sorted(files) if f.endswith(".py")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        from .ansible_modules import ENCODER_PATCH

        archive.writestr(zipfile.ZipInfo("__main__.py", _EPOCH), ENCODER_PATCH + _ENTRY_POINT % (name, ENVELOPE))
        if own is not None:
            archive.writestr(zipfile.ZipInfo(f"ansible/modules/{name}.py", _EPOCH), own)
        for relative in wanted:
            info = zipfile.ZipInfo(relative.replace(os.sep, "/"), _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(os.path.join(root, relative), "rb") as handle:
                archive.writestr(info, handle.read())
    return buffer.getvalue()


def module_name_for(context: Any, name: str) -> str | None:
    """Our bundle of Ansible's ``name`` in the context's bundle cache, and the module name that runs it.

    None when FTL2's layout is not what this workaround knows (the call then goes to FTL2 as written).
    """
    cache = getattr(context, "_bundle_cache", None)
    if cache is None or not hasattr(cache, "add"):
        return None
    from pathlib import Path

    from ftl2.module_loading.bundle import Bundle, BundleInfo

    fqcn = PREFIX + name
    data = bundle_bytes(name)
    digest = hashlib.sha256(data).hexdigest()[:12]
    info = BundleInfo(fqcn=fqcn, content_hash=digest, size=len(data), module_path=Path(f"{name}.py"), dependency_count=0)
    cache.add(Bundle(info=info, data=data))
    return fqcn


# The keys FTL2's gate adds to a bundle's result (the process's rc and output); Ansible reports none of them.
GATE_KEYS = ("rc", "stdout", "stderr")
# The one key our entry point prints the module's result under. FTL2's gate merges a module's result into
# its own reply, whose `stdout` is the module's output the client then parses: a result with a `stdout` of
# its own (`command`'s) would replace it, and the client would parse the command's output instead.
ENVELOPE = "_ftl2_runner_result"


def module_result(output: Any) -> Any:
    """A result of one of our bundles as ansible-core reports the module's: without the gate's keys.

    A module that printed no JSON (a traceback) is Ansible's ``MODULE FAILURE``.
    """
    if not isinstance(output, dict):
        return output
    if isinstance(output.get(ENVELOPE), dict):
        return output[ENVELOPE]
    if set(output) <= set(GATE_KEYS):
        return {
            "failed": True,
            "msg": "MODULE FAILURE: See stdout/stderr for the exact error",
            "module_stdout": output.get("stdout", ""),
            "module_stderr": output.get("stderr", ""),
            "rc": output.get("rc", 1),
        }
    return {k: v for k, v in output.items() if k not in GATE_KEYS}


async def run_module(
    context: Any, host: str, name: str, args: dict[str, Any], put: dict[str, Any] | None = None, environment: dict[str, str] | None = None
) -> Any:
    """Ansible's module ``name`` on one remote host, as one step of an action ftl2-runner runs itself.

    Returns the module's result dict, or FTL2's ``ExecuteResult`` when the host could not be reached
    (the task reports it as FTL2's own failure: unreachable). ``put``: a file the module gets in its
    argument ``put["arg"]`` (``{"arg", "name", "data"}``, see the module docstring). FTL2's events of
    the step are not the task's result: the router marks the actions that take these steps
    (``bookkeeping.STEPS``), and neither the task nor the script's record sees them. ``environment``: the
    task's ``environment:``, set in the module's process before it runs, as ansible-core prefixes it.
    """
    fqcn = module_name_for(context, name)
    if fqcn is None:
        return {"failed": True, "msg": f"ftl2-runner cannot run {name} on {host}: FTL2's bundle cache is not what it expects"}
    configs = [c for c in context.hosts.all if c.name == host]
    if put is not None:
        args = dict(args, _ftl2_runner_put=put)
    if environment:
        args = dict(args, _ftl2_runner_environment=environment)
    (result,) = await context.run_on(configs, fqcn, **args)
    if not result.success and str(result.error or "").startswith("Remote execution failed"):
        return result
    return module_result(result.output)
