"""Ansible's own modules on remote hosts, through FTL2's gate, where FTL2's way differs from Ansible's.

FTL2 0.4.7 sends a remote host an Ansible module as a zip bundle whose entry point imports the
module file as a top-level ``ftl2_module``: ``setup`` imports its helpers relatively
(``from ..module_utils...``) and dies with ``ImportError: attempted relative import with no known
parent package``; ``file`` runs as FTL2's own lean module instead of Ansible's (no ``uid``,
``mode``...). So ftl2-runner runs Ansible's modules itself through the gate, under module names of
its own (``ftl2_runner_ansible.<name>``, which FTL2 has no native module for), from a library: the
``ansible`` package FTL2 installs (``module_utils`` and every module) and an entry point
(``ftl2_runner_entry.main``) that runs ``ansible.modules.<name>`` as a package module, with sets and
bytes in the result written as lists and text, as ansible-core's module encoder does.

A target keeps the library in ``~/.ftl/ftl2_runner_ansible_<digest>`` (the digest of the files'
identities, ``library_digest``): it is sent once per target, not once per host and job (0.6 MB).
``gate_connection`` runs a module by forking the gate (``forked_modules``) or, where the gate
cannot, by the launcher (``launcher_bytes``, a zip of a few hundred bytes run as a process); a
target without the library gets the whole of it (``bundle_bytes``), which installs itself and runs
the module. FTL2's own path (a gate FTL2 connected itself, e.g. with ``become``) takes the bundle
of such a name from the context's bundle cache (``BundleCache.add``): the whole library, built
only then.

The gate has no file transfer of its own, and FTL2's SFTP copy opens a connection that ignores the
inventory's key file. A file an action sends to the host (``copy``'s source) therefore travels in
the module's arguments (``_ftl2_runner_put``: base64 data and a file name): the entry point writes it
into a task temporary directory named as ansible-core names it (``~/.ansible/tmp/ansible-tmp-...``),
gives the module its path, and removes the directory when the module ends — Ansible's
put-then-run, in one round trip. (FTL2's gate messages are limited to 64 MiB: a larger file goes
first in parts, :mod:`.remote_put`, and ``put["staged"]`` names it.) ``_ftl2_runner_tmpdir``
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

from .remote_put import PUT_PART_MODULE
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

# Steps of Ansible's actions that are not a module of Ansible's, shipped in the library as if they were one.
OWN_MODULES = {"ftl2_runner_script": SCRIPT_MODULE, "ftl2_runner_put_part": PUT_PART_MODULE}

# The library's entry point (``ftl2_runner_entry.main(name)``): the module's arguments on stdin, a task's
# environment, a put file or task directory made as described above, then Ansible's module run as a
# package module, its result printed under ``ENVELOPE``.
_ENTRY_MODULE = """
import base64, io, json, os, random, runpy, shutil, sys, time
def main(name):
    params = json.loads(sys.stdin.buffer.read() or b"{}")
    args = params.setdefault("ANSIBLE_MODULE_ARGS", {})
    put, tmp = args.pop("_ftl2_runner_put", None), None
    os.environ.update(args.pop("_ftl2_runner_environment", None) or {})
    if args.pop("_ftl2_runner_tmpdir", False) or put:
        base = os.path.expanduser("~/.ansible/tmp")
        os.makedirs(base, mode=0o700, exist_ok=True)
        tmp = os.path.join(base, "ansible-tmp-%s-%s-%s" % (time.time(), os.getpid(), random.randint(0, 2**48)))
        os.mkdir(tmp, 0o700)
        args["_ansible_tmpdir"] = tmp
    if put:
        path = os.path.join(tmp, put["name"])
        if put.get("staged"):
            os.rename(os.path.join(base, os.path.basename(put["staged"])), path)
        else:
            with open(path, "wb") as handle:
                handle.write(base64.b64decode(put["data"]))
        args[put["arg"]] = path
    from ansible.module_utils import basic
    basic._ANSIBLE_ARGS = json.dumps(params).encode()
    out, stdout, status = io.StringIO(), sys.stdout, 0
    sys.stdout = out
    try:
        runpy.run_module("ansible.modules." + name, run_name="__main__", alter_sys=True)
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else 1
    finally:
        sys.stdout = stdout
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    text = out.getvalue()
    for line in reversed(text.strip().splitlines()):
        try:
            result = json.loads(line)
        except ValueError:
            continue
        if isinstance(result, dict):
            text = json.dumps({ENVELOPE: result})
            break
    sys.stdout.write(text)
    sys.stdout.flush()
    sys.exit(status)
"""
# Where a target keeps the library: under FTL2's own ~/.ftl (mode 0700), named by the library's digest.
_HOME = 'os.path.join(os.path.expanduser("~"), ".ftl", "ftl2_runner_ansible_%s")'
# The launcher: run the library the target keeps, or say it has none (after reading the arguments).
_LAUNCHER = (
    """
import os, sys
home = """
    + _HOME
    + """
if not os.path.isfile(os.path.join(home, "ftl2_runner_entry.py")):
    sys.stdin.buffer.read()
    sys.stdout.write('{"%s": true}')
    sys.exit(0)
sys.path.insert(0, home)
import ftl2_runner_entry
ftl2_runner_entry.main(%r)
"""
)
# The whole library, which installs itself where the launcher looks (a temporary directory renamed
# into place; a target that cannot keep it runs it from the zip) and runs the module.
_INSTALLER = (
    """
import os, shutil, sys, zipfile
home = """
    + _HOME
    + """
if not os.path.isfile(os.path.join(home, "ftl2_runner_entry.py")):
    try:
        os.makedirs(os.path.dirname(home), mode=0o700, exist_ok=True)
        tmp = "%%s.%%d.tmp" %% (home, os.getpid())
        with zipfile.ZipFile(sys.argv[0]) as archive:
            archive.extractall(tmp, [n for n in archive.namelist() if n != "__main__.py"])
        try:
            os.rename(tmp, home)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another module run installed it first
    except OSError:
        pass
if os.path.isfile(os.path.join(home, "ftl2_runner_entry.py")):
    sys.path.insert(0, home)
import ftl2_runner_entry
ftl2_runner_entry.main(%r)
"""
)
MISSING = "_ftl2_runner_missing"
_EPOCH = (1980, 1, 1, 0, 0, 0)


@cache
def _library_paths() -> tuple[str, tuple[str, ...]]:
    """Where FTL2's ``ansible`` package is, and the files any module of ours needs on a target:
    ``ansible/__init__.py``, every ``ansible/modules/*.py`` FTL2 ships, ``ansible/module_utils/**``."""
    import ansible  # FTL2's copy of ansible's module files (never ansible-core: see the README)

    root = os.path.dirname(list(ansible.__path__)[0])
    wanted = [os.path.join("ansible", "__init__.py"), os.path.join("ansible", "modules", "__init__.py")]
    modules = os.path.join(root, "ansible", "modules")
    wanted += [os.path.join("ansible", "modules", f) for f in sorted(os.listdir(modules)) if f.endswith(".py") and f != "__init__.py"]
    for folder, dirs, names in os.walk(os.path.join(root, "ansible", "module_utils")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        wanted += [os.path.relpath(os.path.join(folder, f), root) for f in sorted(names) if f.endswith(".py")]
    return root, tuple(wanted)


def _entry_source() -> bytes:
    from .ansible_modules import ENCODER_PATCH

    return (ENCODER_PATCH + f"ENVELOPE = {ENVELOPE!r}\n" + _ENTRY_MODULE).encode()


def _own_modules() -> tuple[tuple[str, bytes], ...]:
    return tuple((f"ansible/modules/{name}.py", source.encode()) for name, source in sorted(OWN_MODULES.items()))


@cache
def library_digest() -> str:
    """The library's name on a target: a digest of its files' identities (name, size, mtime) and our entry point.

    Taken from ``stat`` alone, so a job pays about a millisecond for it, not the 0.1 s that reading
    and hashing the 3.5 MB of files costs; a reinstalled or changed file changes its mtime.
    """
    root, wanted = _library_paths()
    digest = hashlib.sha256(_entry_source())
    for relative, data in _own_modules():
        digest.update(f"\0{relative}\0".encode() + data)
    for relative in wanted:
        status = os.stat(os.path.join(root, relative))
        digest.update(f"\0{relative}\0{status.st_size}\0{status.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


@cache
def _library() -> tuple[tuple[str, bytes], ...]:
    """The library's files (read only when a target has no copy yet)."""
    root, wanted = _library_paths()
    files = []
    for relative in wanted:
        with open(os.path.join(root, relative), "rb") as handle:
            files.append((relative.replace(os.sep, "/"), handle.read()))
    files += _own_modules()
    files.append(("ftl2_runner_entry.py", _entry_source()))
    return tuple(files)


def _zip(main: str, files: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("__main__.py", _EPOCH), main)
        for name, data in files:
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


@cache
def bundle_bytes(name: str) -> bytes:
    """The whole library in one zip that installs it on the target and runs ``name`` (about 0.6 MB)."""
    return _zip(_INSTALLER % (library_digest(), name), _library())


@cache
def launcher_bytes(name: str) -> bytes:
    """A zip of a few hundred bytes that runs ``name`` from the library the target keeps (gate_connection.py)."""
    return _zip(_LAUNCHER % (library_digest(), MISSING, name))


def launcher_says_missing(result: Any) -> bool:
    """Whether the gate's ``ModuleResult`` is the launcher saying the target has no library yet."""
    return isinstance(result, dict) and result.get(MISSING) is True


@cache
def _bundle(name: str) -> Any:
    """FTL2's ``Bundle`` of ``name`` whose bytes are built only if FTL2 sends them (a gate FTL2 connected itself)."""
    from pathlib import Path

    from ftl2.module_loading.bundle import Bundle, BundleInfo

    class LibraryBundle(Bundle):
        def __init__(self) -> None:
            self.info = BundleInfo(
                fqcn=PREFIX + name, content_hash=library_digest(), size=0, module_path=Path(f"{name}.py"), dependency_count=0
            )

        @property
        def data(self) -> bytes:
            return bundle_bytes(name)

    return LibraryBundle()


def module_name_for(context: Any, name: str) -> str | None:
    """Our bundle of Ansible's ``name`` in the context's bundle cache, and the module name that runs it.

    None when FTL2's layout is not what this workaround knows (the call then goes to FTL2 as written).
    """
    cache = getattr(context, "_bundle_cache", None)
    if cache is None or not hasattr(cache, "add"):
        return None
    cache.add(_bundle(name))
    return PREFIX + name


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
