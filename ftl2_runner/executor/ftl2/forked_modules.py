"""Ansible's modules of ours run by forking the gate, whose interpreter already imported them.

Through FTL2 0.4.7's gate every Ansible module run is a new ``python bundle.zip`` on the target:
the interpreter starts and imports ``ansible.module_utils.basic`` and its helpers (about 60 ms
of the target's CPU with bytecode cached, 120 ms from the zip), for every task on every host.
The gate itself is a long-lived Python process on the target, and FTL2 lets a caller run Python
in it (an ``FTLModule`` request: source that the gate compiles and awaits). ``RUNNER`` is such
source: it puts the library the target keeps (``remote_modules``) on the gate's ``sys.path``,
imports Ansible's module helpers there once per gate, and runs each module in a ``fork`` of the
gate — stdin, stdout and stderr pipes of its own, the gate's signal handlers reset, the module
run by the library's entry point exactly as the launcher runs it — then answers what the gate's
own ``Module`` request answers for a subprocess (``stdout``, ``stderr``, ``rc``, and the
module's JSON merged in), so FTL2 and ftl2-runner read the result as before
(``gate_connection`` turns the answer back into a ``ModuleResult``). A target without the
library answers ``{"missing": true}``, unless the request carries the library (``library``: the
bundle's zip), which it then installs as the bundle would; one whose Python cannot fork answers an error, and the
module then runs as its own process as before.

The fork is started by ``ftl2_runner_start`` and its answer shaped by ``ftl2_runner_answer``; between
the two, FTL2's asyncio gate (``main``) waits for the child's pipes in a thread, while ftl2-runner's
own gate loop (``lean_gate``) watches them in its one selector, next to its stdin, so that modules
sent to one gate still run at the same time either way. Nothing here imports asyncio: the lean
gate never loads it.

The source below runs on the target's Python (3.6 and later): no newer syntax.
"""

from __future__ import annotations

NAME = "ftl2_runner_forked"

RUNNER = r'''
import json, os, selectors, signal, sys, warnings


def _communicate(pid, stdin_fd, stdout_fd, stderr_fd, data):
    """The child's output and exit status, its input written as it reads (blocking: runs in a thread)."""
    selector = selectors.DefaultSelector()
    chunks = {stdout_fd: [], stderr_fd: []}
    view = memoryview(data)
    if view:
        selector.register(stdin_fd, selectors.EVENT_WRITE)
    else:
        os.close(stdin_fd)
    for fd in (stdout_fd, stderr_fd):
        selector.register(fd, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            fd = key.fd
            if fd == stdin_fd:
                try:
                    written = os.write(fd, view[:65536])
                except BrokenPipeError:
                    written = len(view)
                view = view[written:]
                if not view:
                    selector.unregister(fd)
                    os.close(fd)
                continue
            block = os.read(fd, 65536)
            if block:
                chunks[fd].append(block)
            else:
                selector.unregister(fd)
                os.close(fd)
    selector.close()
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else (
        -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
    return b"".join(chunks[stdout_fd]), b"".join(chunks[stderr_fd]), rc


def _child(name, fds):
    """In the fork: the module's own stdio, default signals, then the library's entry point."""
    code = 1
    try:
        try:
            signal.set_wakeup_fd(-1)
        except (ValueError, OSError):
            pass
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        stdin_r, stdout_w, stderr_w = fds
        os.dup2(stdin_r, 0)
        os.dup2(stdout_w, 1)
        os.dup2(stderr_w, 2)
        try:  # nothing else of the gate's: another module's pipe kept open here would never see its end
            inherited = [int(name) for name in os.listdir("/proc/self/fd")]
        except (OSError, ValueError):
            inherited = list(range(3, 1024))
        for fd in inherited:
            if fd > 2:
                try:
                    os.close(fd)
                except OSError:
                    pass
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        import ftl2_runner_entry
        try:
            ftl2_runner_entry.main(name)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                sys.stderr.write("%s\n" % (exc.code,))
                code = 1
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _install(home, library):
    """The library (a zip, base64) into ``home``: a temporary directory renamed into place, as the bundle does."""
    import base64, io, shutil, zipfile
    unpacked = "%s.%d.tmp" % (home, os.getpid())
    try:
        os.makedirs(os.path.dirname(home), mode=0o700, exist_ok=True)
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(library))) as archive:
            archive.extractall(unpacked, [name for name in archive.namelist() if name != "__main__.py"])
        os.rename(unpacked, home)
    except (OSError, ValueError, zipfile.BadZipFile):
        shutil.rmtree(unpacked, ignore_errors=True)  # another call installed it first, or the target cannot keep it


def ftl2_runner_start(args):
    """``(answer, None)`` when there is nothing to run, else ``(None, (pid, stdin, stdout, stderr, input))``."""
    home = os.path.join(os.path.expanduser("~"), ".ftl", "ftl2_runner_ansible_%s" % args["digest"])
    if not os.path.isfile(os.path.join(home, "ftl2_runner_entry.py")) and args.get("library"):
        _install(home, args["library"])
    if not os.path.isfile(os.path.join(home, "ftl2_runner_entry.py")):
        return {"missing": True}, None
    loaded = sys.modules.get("ansible")
    if loaded is not None and os.path.join(home, "ansible") not in list(getattr(loaded, "__path__", [])):
        raise RuntimeError("the gate imported another ansible package: the module runs as a process of its own")
    if home not in sys.path:
        sys.path.insert(0, home)
    if "ftl2_runner_entry" not in sys.modules:
        import gc
        collecting = gc.isenabled()
        gc.disable()  # what these imports make lives as long as the gate: no collections while they run
        try:
            import ftl2_runner_entry  # stays imported in the gate: every fork starts with it
            from ansible.module_utils import basic  # the same for Ansible's module helpers
        finally:
            if hasattr(gc, "freeze"):
                gc.freeze()  # never scanned again, in the gate or in a fork (whose pages then stay shared)
            if collecting:
                gc.enable()
    data = json.dumps({"ANSIBLE_MODULE_ARGS": args["module_args"]}).encode()
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: fork() with threads
        pid = os.fork()
    if pid == 0:
        for fd in (stdin_w, stdout_r, stderr_r):
            os.close(fd)
        _child(args["name"], (stdin_r, stdout_w, stderr_w))
    for fd in (stdin_r, stdout_w, stderr_w):
        os.close(fd)
    return None, (pid, stdin_w, stdout_r, stderr_r, data)


def ftl2_runner_answer(stdout, stderr, rc):
    """What the gate's ``Module`` request answers for a subprocess: stdout, stderr, rc, the module's JSON merged in."""
    result = {"stdout": stdout.decode(errors="replace"), "stderr": stderr.decode(errors="replace"), "rc": rc}
    try:
        output = json.loads(result["stdout"])
    except ValueError:
        output = None
    if isinstance(output, dict):
        result.update(output)
        result["rc"] = rc
    return result


async def main(args):
    answer, child = ftl2_runner_start(args)
    if child is None:
        return answer
    loop = sys.modules["asyncio"].get_event_loop()  # FTL2's gate runs this: asyncio is loaded
    stdout, stderr, rc = await loop.run_in_executor(None, _communicate, *child)
    return ftl2_runner_answer(stdout, stderr, rc)
'''
