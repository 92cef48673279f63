"""What the target's Python runs for each job: FTL2's gate, started lean, answering without asyncio.

The gate's start is most of the target's CPU per host and job (docs/performance.md, issue 32), and
most of that start was FTL2's gate importing asyncio (with ssl, logging, concurrent.futures,
inspect...) before answering its first message, for jobs whose every request is a ``Hello``, an
``FTLModule`` whose function is plain Python (FTL2's ``command`` module for ping, command and
shell; ftl2-runner's forked Ansible modules) and a ``Shutdown``. ``PROGRAM`` (run with ``python -c``
by ``gate_connection.start_command``) therefore answers those itself, over the same wire (an
8-digit hex length and a JSON list; answers carry the request's id as FTL2's multiplexed gate's
do) and by FTL2's own rules (the function an ``FTLModule`` names, how it is called, its
``FTLModuleResult`` or ``Error``), with one selector over its stdin and the pipes of the Ansible
modules it forks, so that those still run at the same time.

Anything else — a first message that is not a multiplexed ``Hello``, a gate policy, a ``Module``
request, an ``async`` module function, ``Info``, ``Watch``, a message it cannot read — is handed to
FTL2's gate itself, in the same process: FTL2's gate main is imported, and its multiplexed loop (or,
before a ``Hello``, its ``main``) reads that message and everything after it, from a reader that
first gives back the bytes already read. From then on FTL2's gate answers as it always does.
Forked modules still running are answered first.

The rest of the start is as before: the gate is run from the directory it was unpacked into once
per target (``~/.ftl/ftl2_runner_gate_<hash>``, a temporary directory renamed into place) so that
the target's Python keeps its bytecode; the cyclic collector is off while modules are imported and
what they made is frozen; the same ``FTLModule`` source is compiled once per gate, with the
``__future__`` flags FTL2's gate module would pass on; the gate leaves as the interpreter would
(threads joined, atexit handlers, stdio flushed) but without tearing down every object. A gate of
another shape runs as ``runpy`` runs a ``__main__``.

Arguments: the unpacked directory, the gate file, FTL2's hash of that file (what its ``Hello``
answers; computed here when empty), and ``ftl2`` to run FTL2's gate for everything (A/B, or
``FTL2_RUNNER_LEAN_GATE_LOOP=0``). Python 3.6+ syntax: it runs on the target.
"""

from __future__ import annotations

PROGRAM = r'''
import gc, os, sys
gc.disable()
home, gate = sys.argv[1], sys.argv[2]
gate_hash = sys.argv[3] if len(sys.argv) > 3 else ""
own_loop = len(sys.argv) <= 4 or sys.argv[4] != "ftl2"
main = os.path.join(home, "ftl2_runner_gate_main.py")
if sys.path and sys.path[0] == "":
    del sys.path[0]
if not os.path.isfile(main):
    import shutil, zipfile
    unpacked = "%s.%d.tmp" % (home, os.getpid())
    try:
        with zipfile.ZipFile(gate) as archive:
            archive.extractall(unpacked)
        os.rename(os.path.join(unpacked, "__main__.py"), os.path.join(unpacked, "ftl2_runner_gate_main.py"))
        os.rename(unpacked, home)
    except (OSError, zipfile.BadZipFile):
        shutil.rmtree(unpacked, ignore_errors=True)
sys.argv = [gate]
try:
    with open(main, "rb") as source:
        text = source.read()
except OSError:
    text = None
if text is None or b"\nasync def main(args" not in text:
    gc.enable()
    import runpy
    if text is None:
        runpy.run_path(gate, run_name="__main__")
    else:
        sys.path.insert(0, home)
        runpy.run_module("ftl2_runner_gate_main", run_name="__main__")
    sys.exit()
sys.path.insert(0, home)
own_loop = own_loop and b"\nasync def main_multiplexed(reader, writer, protocol, watcher, monitor, gate_hash" in text
import __future__
inherited, compiled = 0, {}
for line in text.splitlines():  # what FTL2's compile() inherits from its gate's module
    if line.startswith(b"from __future__ import "):
        for name in line[23:].split(b"#")[0].replace(b"(", b" ").replace(b")", b" ").split(b","):
            feature = getattr(__future__, name.strip().decode("ascii", "replace"), None)
            if isinstance(feature, __future__._Feature):
                inherited |= feature.compiler_flag


def compile_once(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, **more):
    if not dont_inherit:
        flags, dont_inherit = flags | inherited, True
    key = (source, filename, mode, flags, optimize, tuple(sorted(more.items())))
    if key not in compiled:
        compiled[key] = compile(source, filename, mode, flags, dont_inherit, optimize, **more)
    return compiled[key]


def the_gate_hash():
    global gate_hash
    if not gate_hash:
        try:
            import hashlib
            with open(gate, "rb") as built:
                gate_hash = hashlib.sha256(built.read()).hexdigest()[:16]
        except Exception:
            pass
    return gate_hash


class Prefixed(object):
    """FTL2's reader, giving back first the bytes the lean loop had read."""

    def __init__(self, data, reader):
        self.data, self.reader = data, reader

    async def read(self, n):
        if self.data:
            block, self.data = self.data[:n], self.data[n:]
            return block
        return await self.reader.read(n)


def run_ftl2(pending=b"", multiplexed=False):
    """FTL2's gate, reading ``pending`` then stdin: its multiplexed loop, or its main before a Hello."""
    gc.disable()
    import ftl2_runner_gate_main as ftl_gate
    ftl_gate.compile = compile_once
    if hasattr(gc, "freeze"):
        gc.freeze()
    gc.enable()
    import asyncio

    async def prefixed_stdin_stdout():
        reader, writer = await connect()
        return Prefixed(pending, reader), writer

    async def multiplexed_main():
        import logging, time
        log = os.path.join(os.path.expanduser("~"), ".ftl", "gate.log")  # where FTL2's main logs
        logging.basicConfig(format="%(asctime)s - %(message)s", filename=log, level=logging.DEBUG)
        ftl_gate._start_time = time.time()
        reader, writer = await ftl_gate.connect_stdin_stdout()
        protocol = ftl_gate.GateProtocol()
        watcher = ftl_gate.FileWatcher(protocol, writer)
        monitor = ftl_gate.SystemMonitor(protocol, writer)
        status = ftl_gate.GateStatusMonitor(protocol, writer, the_gate_hash())
        try:
            gate_hash = the_gate_hash()
            return await ftl_gate.main_multiplexed(reader, writer, protocol, watcher, monitor, gate_hash, None, "", "localhost", status)
        except Exception as error:  # as FTL2's main, around its multiplexed loop, answers it
            import traceback
            ftl_gate.logger.error("Gate system error: %s" % (error,))
            ftl_gate.logger.error(traceback.format_exc())
            try:
                problem = {"message": "System error: %s" % (error,), "traceback": traceback.format_exc()}
                await protocol.send_message(writer, "GateSystemError", problem)
            except Exception:
                pass
            return 1

    if pending:
        connect = ftl_gate.connect_stdin_stdout
        ftl_gate.connect_stdin_stdout = prefixed_stdin_stdout
    try:
        return asyncio.run(multiplexed_main() if multiplexed else ftl_gate.main([])) or 0
    except KeyboardInterrupt:
        ftl_gate.logger.info("Interrupted by user")
        return 130
    except Exception as error:
        import traceback
        ftl_gate.logger.error("Fatal error: %s" % (error,))
        ftl_gate.logger.error(traceback.format_exc())
        return 1


class Unreadable(Exception):
    """A message FTL2's gate must answer (its protocol error)."""


def lean_loop():
    """Answer Hello, plain FTLModule calls and Shutdown; hand anything else to FTL2's gate."""
    import json, selectors
    from base64 import b64decode

    space = b" \t\n\r\x0b\x0c"
    wire = bytearray()
    children = {}
    selector = selectors.DefaultSelector()
    try:
        selector.register(0, selectors.EVENT_READ)
    except (OSError, ValueError):  # stdin a regular file (not over SSH): FTL2's gate has a reader for that
        selector.close()
        return run_ftl2()
    state = {"hello": False, "reading": True}
    # FTL2's gate runs a plain module function on its event loop, so nothing else is answered until
    # it returns, not even the keepalive ``Hello`` FTL2's client sends every 30 s and gives up on
    # after 60 s more: a remote command longer than about 90 s failed ("Gate ... failed
    # keepalive"). Here such calls run one at a time, in order, as there, but in a thread, and the
    # loop answers keepalives and forked modules meanwhile; the thread wakes the loop through a pipe.
    calls, finished = [], []
    wake_r, wake_w = os.pipe()
    selector.register(wake_r, selectors.EVENT_READ)
    if hasattr(gc, "freeze"):
        gc.freeze()
    gc.enable()

    def take():
        start = 0
        while start < len(wire) and wire[start] in space:
            start += 1
        if len(wire) - start < 8:
            return None
        try:
            length = int(bytes(wire[start : start + 8]).decode("ascii"), 16)
        except ValueError:
            raise Unreadable()
        if length < 0 or length > (1 << 30):
            raise Unreadable()
        body = start + 8
        while body < len(wire) and wire[body] in space:
            body += 1
        if body >= len(wire) or body + length > len(wire):
            return None
        raw = bytes(wire[: body + length])
        try:
            message = json.loads(raw[body:].decode("utf-8"))
        except ValueError:
            raise Unreadable()
        if not isinstance(message, list) or len(message) not in (2, 3) or not isinstance(message[0], str):
            raise Unreadable()
        del wire[: body + length]
        return raw, message

    def send(kind, data, msg_id):
        try:
            body = json.dumps([kind, data] if msg_id is None else [kind, data, msg_id]).encode("utf-8")
        except Exception as error:  # FTL2's gate: a result it cannot send is a system error
            import traceback
            problem = {"message": "System error: Failed to send message: %s" % (error,), "traceback": traceback.format_exc()}
            body = json.dumps(["GateSystemError", problem] if msg_id is None else ["GateSystemError", problem, msg_id]).encode("utf-8")
        view = memoryview(("%08x" % len(body)).encode("ascii") + body)
        while view:
            view = view[os.write(1, view) :]

    def ftl_module(data, msg_id):
        """True when answered (or a fork started); False when FTL2's gate must run it."""
        if not isinstance(data, dict) or not data.get("module"):
            return False
        name = data.get("module_name", "")
        args = data.get("module_args", {}) or {}
        try:
            code = compile_once(b64decode(data["module"]), name, "exec")
            namespace = {"__file__": name, "__name__": "ftl_module_%s" % name}
            exec(code, namespace)
            start = namespace.get("ftl2_runner_start")
            if start is not None:
                answer, child = start(args)
                if child is None:
                    send("FTLModuleResult", {"result": answer}, msg_id)
                else:
                    watch(child, namespace["ftl2_runner_answer"], msg_id)
                return True
            wanted = "ftl_%s" % name
            if "main" in namespace:
                function = namespace["main"]
            elif wanted in namespace:
                function = namespace[wanted]
            else:
                raise RuntimeError("Module %s has no main() or %s() function" % (name, wanted))
            call = calling(function)
            if call is None:
                return False
        except Exception as error:
            import traceback
            send("Error", {"message": "FTL module execution failed: %s" % (error,), "traceback": traceback.format_exc()}, msg_id)
            return True
        calls.append((function, call, args, msg_id))
        if len(calls) == 1:
            begin_call()
        return True

    def begin_call():
        """The first queued call, in a thread of its own: the loop goes on answering meanwhile."""
        import _thread
        _thread.start_new_thread(run_call, calls[0][:3])

    def run_call(function, call, args):
        try:
            if call == "none":
                result = function()
            elif call == "kwargs":
                result = function(**args)
            else:
                result = function(args)
            finished.append(("FTLModuleResult", {"result": result}))
        except BaseException as error:
            import traceback
            finished.append(("Error", {"message": "FTL module execution failed: %s" % (error,), "traceback": traceback.format_exc()}))
        os.write(wake_w, b".")

    def end_call():
        os.read(wake_r, 64)
        while finished:
            kind, data = finished.pop(0)
            msg_id = calls.pop(0)[3]
            send(kind, data, msg_id)
            if calls:
                begin_call()

    def calling(function):
        """How FTL2's gate calls a plain function ("none", "kwargs", "dict"); None for anything else."""
        code = getattr(function, "__code__", None)
        if code is None or not hasattr(function, "__defaults__") or hasattr(function, "__wrapped__") or hasattr(function, "__signature__"):
            return None  # a decorated or unusual callable: FTL2's gate (inspect.signature) decides
        if code.co_flags & 0x380:  # a coroutine, generator-based coroutine or async generator
            return None
        if getattr(function, "_is_coroutine", None) is not None:
            return None
        positional, keyword_only = code.co_argcount, code.co_kwonlyargcount
        star, double_star = bool(code.co_flags & 0x04), bool(code.co_flags & 0x08)
        count = positional + keyword_only + star + double_star
        if count == 0:
            return "none"
        if count > 1:
            return "kwargs"
        if star:
            return "dict"  # one *args parameter: FTL2 passes the dict
        first = code.co_varnames[0]
        annotation = getattr(function, "__annotations__", {}).get(first, None)
        if annotation is dict or function.__name__ == "main":
            return "dict"
        return "kwargs"

    def watch(child, answer, msg_id):
        pid, stdin_w, stdout_r, stderr_r, data = child
        record = {"pid": pid, "answer": answer, "id": msg_id, "input": memoryview(data), "open": set()}
        record.update({"stdin": stdin_w, "out": stdout_r, "err": stderr_r, stdout_r: [], stderr_r: []})
        for fd in (stdout_r, stderr_r):
            record["open"].add(fd)
            children[fd] = record
            selector.register(fd, selectors.EVENT_READ)
        if data:
            record["open"].add(stdin_w)
            children[stdin_w] = record
            selector.register(stdin_w, selectors.EVENT_WRITE)
        else:
            os.close(stdin_w)

    def closed(fd):
        selector.unregister(fd)
        os.close(fd)
        record = children.pop(fd)
        record["open"].discard(fd)
        if not record["open"]:
            _, status = os.waitpid(record["pid"], 0)
            rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            result = record["answer"](b"".join(record[record["out"]]), b"".join(record[record["err"]]), rc)
            send("FTLModuleResult", {"result": result}, record["id"])

    def step(with_stdin):
        for key, _ in selector.select():
            fd = key.fd
            if fd == wake_r:
                end_call()
            elif fd == 0:
                if not with_stdin:
                    continue
                block = os.read(0, 1 << 16)
                if block:
                    wire.extend(block)
                else:
                    selector.unregister(0)
                    state["reading"] = False
            elif fd in children:
                record = children[fd]
                if fd == record["stdin"]:
                    try:
                        written = os.write(fd, record["input"][: 1 << 16])
                    except OSError:
                        written = len(record["input"])
                    record["input"] = record["input"][written:]
                    if not record["input"]:
                        closed(fd)
                    continue
                block = os.read(fd, 1 << 16)
                if block:
                    record[fd].append(block)
                else:
                    closed(fd)

    def finish_children():
        if state["reading"]:
            selector.unregister(0)
            state["reading"] = False
        while children or calls:
            step(False)

    def hand_over(pending, multiplexed):
        finish_children()
        selector.close()
        return run_ftl2(pending, multiplexed)

    while True:
        while True:
            try:
                taken = take()
            except Unreadable:
                return hand_over(bytes(wire), state["hello"])
            if taken is None:
                break
            raw, message = taken
            kind, data = message[0], message[1]
            msg_id = message[2] if len(message) == 3 else (None if not state["hello"] else 0)
            if not state["hello"]:
                multiplexed = isinstance(data, dict) and "multiplex" in (data.get("capabilities") or [])
                if kind != "Hello" or not multiplexed or data.get("policy_rules"):
                    return hand_over(raw + bytes(wire), False)
                answer = dict(data)
                answer["gate_hash"] = the_gate_hash()
                answer["capabilities"] = ["multiplex"]
                send("Hello", answer, msg_id)
                state["hello"] = True
            elif kind == "Hello":
                send("Hello", {"gate_hash": the_gate_hash()}, msg_id)
            elif kind == "Shutdown":
                send("Goodbye", {}, msg_id)
                finish_children()
                return 0
            elif kind != "FTLModule" or not ftl_module(data, msg_id):
                return hand_over(raw + bytes(wire), True)
        if not state["reading"]:
            if bytes(wire).strip():  # a message cut short: FTL2's gate says so
                return hand_over(bytes(wire), state["hello"])
            finish_children()
            return 0
        step(True)


code = lean_loop() if own_loop else run_ftl2()
import atexit
threading = sys.modules.get("threading")  # not imported: no thread to join
if not hasattr(atexit, "_run_exitfuncs") or (threading is not None and not hasattr(threading, "_shutdown")):
    sys.exit(code)
if threading is not None:
    threading._shutdown()
atexit._run_exitfuncs()
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except Exception:
        pass
os._exit(code if isinstance(code, int) else 1)
'''
