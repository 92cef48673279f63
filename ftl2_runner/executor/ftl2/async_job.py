"""The target's half of a task's ``async:``, as a module our bundle ships (``ftl2_runner_async``).

ansible-core runs an async task's module on the host under its ``async_wrapper``: the wrapper
answers at once with the job's id and results file (``~/.ansible_async/<jid>``), and a detached
process runs the module, writes its result into that file, and kills the module when the task's
time limit is up (``Timeout exceeded``, checked every five seconds or every half of a shorter limit). A later ``async_status``
reads the file. FTL2 has no async form. This module does the same on the host in one round trip
through FTL2's gate (or as a process of its own on hosts that run on this machine), with the
module run as our library runs every Ansible module (``remote_modules.py``): ``start`` detaches
the job and answers as the wrapper does; ``status`` runs Ansible's own ``async_status`` module
against the expanded async directory and says which directory that was (the action reports it as
``results_file``, as ansible-core's action expands it before the module runs).
"""

from __future__ import annotations

from .ansible_modules import ENCODER_PATCH  # results encoded as every module run of ours encodes them

ASYNC_MODULE = (
    r"""
import json, os, random, runpy, signal, subprocess, sys, time

try:
    from ansible.module_utils import basic
    _raw = basic._ANSIBLE_ARGS
except Exception:
    _raw = None
if not _raw:
    _raw = sys.stdin.buffer.read()
args = json.loads(_raw)["ANSIBLE_MODULE_ARGS"]
STEP = 5

RUN = '''
import json, os, runpy, sys"""
    + ENCODER_PATCH
    + r"""home, name = sys.argv.pop(1), sys.argv.pop(1)
if home:
    sys.path.insert(0, home)
from ansible.module_utils import basic
basic._ANSIBLE_ARGS = sys.stdin.buffer.read()
runpy.run_module("ansible.modules." + name, run_name="__main__", alter_sys=True)
'''


def library_home():
    import ansible
    return os.path.dirname(os.path.dirname(os.path.abspath(ansible.__file__)))


def write(path, info):
    with open(path + ".tmp", "w") as handle:
        handle.write(json.dumps(info))
    os.rename(path + ".tmp", path)


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    raise ValueError("no JSON result in the module's output")


def run_job(path, jid, notify):
    write(path, {"started": True, "finished": False, "ansible_job_id": jid})
    os.write(notify, b"1")
    os.close(notify)
    out = err = ""
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", RUN, library_home(), args["module"]],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", errors="surrogateescape",
        )
        out, err = process.communicate(json.dumps({"ANSIBLE_MODULE_ARGS": args["module_args"]}))
        result = last_json(out)
        if err:
            result["stderr"] = err
    except Exception as exc:
        result = {"failed": True, "msg": str(exc), "data": out, "stderr": err, "ansible_job_id": jid}
    write(path, result)


def start():
    directory = os.path.expanduser(args.get("async_dir") or "~/.ansible_async")
    os.makedirs(directory, exist_ok=True)
    jid = "j%d.%d" % (random.randint(0, 999999999999), os.getpid())
    path = os.path.join(directory, jid)
    watch, notify = os.pipe()
    if os.fork():
        os.close(notify)
        import select
        select.select([watch], [], [], 2.5)
        os.close(watch)
        return {"failed": False, "started": True, "finished": False, "ansible_job_id": jid, "results_file": path}
    # the detached side: its own session, no terminal, none of the caller's pipes
    os.close(watch)
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.environ.update(args.get("environment") or {})
    limit = int(args["time_limit"])
    child = os.fork()
    if child == 0:
        os.setpgid(0, 0)
        run_job(path, jid, notify)
        os._exit(0)
    os.close(notify)
    try:
        os.setpgid(child, child)
    except OSError:
        pass
    # ansible-core 2.21's watch: every five seconds, or every half of a shorter limit; the result is
    # written a second after the kill
    remaining = limit
    step = remaining / 2 if remaining and STEP >= remaining else STEP
    time.sleep(step)
    while os.waitpid(child, os.WNOHANG) == (0, 0):
        remaining -= step
        if remaining <= 0:
            try:
                os.killpg(child, signal.SIGKILL)
            except OSError:
                pass
            time.sleep(1)
            write(path, {"msg": "Timeout exceeded", "failed": True, "child_pid": child})
            break
        time.sleep(step)
    os._exit(0)


def status():
    directory = os.path.expanduser(args.get("async_dir") or "~/.ansible_async")
    saved = sys.stdout
    import io
    captured = io.StringIO()
    sys.stdout = captured
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": dict(args["module_args"], _async_dir=directory)}).encode()
    try:
        runpy.run_module("ansible.modules.async_status", run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    finally:
        sys.stdout = saved
    try:
        result = last_json(captured.getvalue())
    except ValueError:
        result = {"failed": True, "msg": "async_status printed no result", "module_stdout": captured.getvalue()}
    return {"async_dir": directory, "result": result}


print(json.dumps(start() if args.get("mode") == "start" else status()))
sys.stdout.flush()
"""
)
