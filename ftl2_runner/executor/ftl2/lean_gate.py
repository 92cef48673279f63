"""What the target's Python runs for each job: FTL2's gate, started lean, answering without asyncio.

The gate's start is most of the target's CPU per host and job (docs/performance.md, issue 32), and
most of that start was FTL2's gate importing asyncio (with ssl, logging, concurrent.futures,
inspect...) before answering its first message, for jobs whose every request is a ``Hello``, an
``FTLModule`` whose function is plain Python (FTL2's ``command`` module for ping, command and
shell; ftl2-runner's forked Ansible modules) and a ``Shutdown``. ``PROGRAM`` (run with ``python -c``
by ``gate_connection.start_command``) therefore answers those itself, over the same wire (an
8-digit hex length and a JSON list; answers carry the request's id as FTL2's multiplexed gate's
do) and by FTL2's own rules (the function an ``FTLModule`` names, how it is called, its
``FTLModuleResult`` or ``Error``). Module calls run one at a time, in order and on the main thread,
as in FTL2's gate; its loop, in a thread of its own, reads messages, answers keepalives meanwhile
(``lean_gate()`` says why) and watches the pipes of the Ansible modules it forks, so that those
still run at the same time.

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
``FTL2_RUNNER_LEAN_GATE_LOOP=0``). Python 3.6+ syntax: it runs on the target (the loop itself only
on 3.10 and later, where FTL2's gate runs).
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
# FTL2's gate needs Python 3.10 (its handshake fails, naming the interpreter, on an older one: kept so)
shape = b"\nasync def main_multiplexed(reader, writer, protocol, watcher, monitor, gate_hash"
own_loop = own_loop and sys.version_info >= (3, 10) and shape in text
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
        known = the_gate_hash()
        status = ftl_gate.GateStatusMonitor(protocol, writer, known)
        try:
            return await ftl_gate.main_multiplexed(reader, writer, protocol, watcher, monitor, known, None, "", "localhost", status)
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


MAX_MESSAGE = 64 * 1024 * 1024  # FTL2's limit: a longer message is its gate's to refuse


def run_request(data):
    """One ``FTLModule`` request as FTL2's gate runs it, on the main thread as there.

    ``("answer", kind, data)``, ``("child", child, answer)`` for a module of ours forked from the
    gate, or ``("exit", code)`` when the module ends the gate (as ``SystemExit`` ends FTL2's).
    """
    from base64 import b64decode

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
                return ("answer", "FTLModuleResult", {"result": answer})
            return ("child", child, namespace["ftl2_runner_answer"])
        wanted = "ftl_%s" % name
        if "main" in namespace:
            function = namespace["main"]
        elif wanted in namespace:
            function = namespace[wanted]
        else:
            raise RuntimeError("Module %s has no main() or %s() function" % (name, wanted))
        coroutine, call = calling(function)
        if call == "none":
            result = function()
        elif call == "kwargs":
            result = function(**args)
        else:
            result = function(args)
        if coroutine:
            import asyncio  # a coroutine function seen only now (not a plain top-level ``async def``)
            result = asyncio.run(result)
        return ("answer", "FTLModuleResult", {"result": result})
    except Exception as error:
        import traceback
        return ("answer", "Error", {"message": "FTL module execution failed: %s" % (error,), "traceback": traceback.format_exc()})
    except SystemExit as stop:
        return ("exit", stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1))
    except KeyboardInterrupt:
        return ("exit", 130)


def calling(function):
    """How FTL2's gate calls ``function``: (whether it is a coroutine function, "none", "kwargs" or "dict")."""
    if type(function) is type(calling) and not hasattr(function, "__wrapped__") and not hasattr(function, "__signature__"):
        code = function.__code__
        coroutine = bool(code.co_flags & 0x80)
        positional, keyword_only = code.co_argcount, code.co_kwonlyargcount
        star, double_star = bool(code.co_flags & 0x04), bool(code.co_flags & 0x08)
        count = positional + keyword_only + star + double_star
        if count == 0:
            return coroutine, "none"
        if count > 1:
            return coroutine, "kwargs"
        if star:
            return coroutine, "dict"  # one *args parameter: FTL2 passes the dict
        annotation = function.__annotations__.get(code.co_varnames[0], None)
        return coroutine, "dict" if annotation is dict or function.__name__ == "main" else "kwargs"
    import inspect  # anything else (a method, a decorated function...): FTL2's own reading of it

    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    coroutine = inspect.iscoroutinefunction(function)
    if not parameters:
        return coroutine, "none"
    if len(parameters) > 1 or (
        parameters[0].kind != inspect.Parameter.VAR_POSITIONAL and parameters[0].annotation is not dict and function.__name__ != "main"
    ):
        return coroutine, "kwargs"
    return coroutine, "dict"


def plainly_sync(data):
    """Whether the module's function, as its source defines it, is not ``async`` (FTL2's gate must await those)."""
    from base64 import b64decode

    name = data.get("module_name", "")
    try:
        code = compile_once(b64decode(data["module"]), name, "exec")
    except Exception:
        return True  # the main thread answers the error as FTL2's gate does
    functions = [const for const in code.co_consts if hasattr(const, "co_flags")]
    if any(function.co_name == "ftl2_runner_start" for function in functions):
        return True  # a module of ours forked from the gate: its ``async def main`` is for FTL2's gate
    wanted = ("main", "ftl_%s" % name)
    return not any(function.co_name in wanted and function.co_flags & 0x380 for function in functions)


def lean_gate():
    """Module calls on the main thread, in order (as FTL2's gate runs them); everything else in ``lean_loop``'s thread.

    FTL2's gate runs a plain module function on its event loop, so nothing else is answered until it
    returns, not even the keepalive ``Hello`` FTL2's client sends every 30 s and gives up on after 60 s
    more: a remote command longer than about 90 s failed ("Gate ... failed keepalive"). Here the calls
    still run one at a time, in order and on the main thread (signals, ``asyncio`` work there as in
    FTL2's gate), while the loop in a thread of its own reads messages, answers keepalives, watches
    forked modules and sends every answer. Two pipes connect them: a byte per queued call (``e`` when
    the loop has ended), and a byte per finished call.
    """
    import _thread

    shared = {"calls": [], "finished": [], "ended": []}
    jobs_r, jobs_w = os.pipe()
    done_r, done_w = os.pipe()
    _thread.start_new_thread(lean_loop, (shared, jobs_w, done_r))
    stopped = False
    while True:
        byte = os.read(jobs_r, 1)
        if byte == b"e" or not byte:
            break
        if stopped:
            continue  # the gate is ending: no further call runs
        data, msg_id = shared["calls"].pop(0)
        outcome = run_request(data)
        stopped = outcome[0] == "exit"
        shared["finished"].append((msg_id, outcome))
        os.write(done_w, b".")
    for fd in (jobs_r, jobs_w, done_r, done_w):
        os.close(fd)
    ended = shared["ended"][0] if shared["ended"] else ("exit", 1)
    if ended[0] == "handover":
        return run_ftl2(ended[1], ended[2])
    return ended[1]


def lean_loop(shared, jobs_w, done_r):
    """Answer Hello and Shutdown, queue plain FTLModule calls, watch forks; hand anything else to FTL2's gate."""
    import json, selectors

    space = b" \t\n\r\x0b\x0c"
    wire = bytearray()
    children, reaping = {}, []
    calls, finished, ended = shared["calls"], shared["finished"], shared["ended"]
    state = {"hello": False, "reading": True, "outstanding": 0, "exit": None}
    selector = selectors.DefaultSelector()

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
        if length < 0 or length > MAX_MESSAGE:
            raise Unreadable()
        body = start + 8
        while body < len(wire) and wire[body] in space:
            body += 1
        if body >= len(wire) or body + length > len(wire):
            return None
        try:
            message = json.loads(bytes(wire[body : body + length]).decode("utf-8"))
        except ValueError:
            raise Unreadable()
        if not isinstance(message, list) or len(message) not in (2, 3) or not isinstance(message[0], str):
            raise Unreadable()
        raw = bytes(wire[: body + length])
        del wire[: body + length]
        return raw, message

    def cut_short():
        """FTL2's words for the message the input ended in (its ``GateProtocol.read_message``)."""
        rest = bytes(wire).lstrip()
        if len(rest) < 8:
            return "Invalid length prefix: got %d bytes, expected 8" % (len(rest),)
        return "Incomplete message body: got %d bytes, expected %d" % (len(rest[8:].lstrip()), int(rest[:8].decode("ascii"), 16))

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

    def queue(data, msg_id):
        calls.append((data, msg_id))
        state["outstanding"] += 1
        os.write(jobs_w, b"c")

    def call_finished():
        os.read(done_r, 64)
        while finished:
            msg_id, outcome = finished.pop(0)
            state["outstanding"] -= 1
            if outcome[0] == "answer":
                send(outcome[1], outcome[2], msg_id)
            elif outcome[0] == "child":
                watch(outcome[1], outcome[2], msg_id)
            else:  # the module ended the gate (as in FTL2's): calls queued after it never run
                state["exit"] = outcome[1]
                state["outstanding"] = 0
                del calls[:]

    def watch(child, answer, msg_id):
        pid, stdin_w, stdout_r, stderr_r, data = child
        record = {"pid": pid, "answer": answer, "id": msg_id, "input": memoryview(data), "open": set()}
        record.update({"stdin": stdin_w, "out": stdout_r, "err": stderr_r, stdout_r: [], stderr_r: []})
        for fd in (stdout_r, stderr_r):
            record["open"].add(fd)
            children[fd] = record
            selector.register(fd, selectors.EVENT_READ)
        if data:
            os.set_blocking(stdin_w, False)  # a module that does not read its input must not stop the loop
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
            reaping.append(record)
            reap()

    def reap():
        for record in list(reaping):
            pid, status = os.waitpid(record["pid"], os.WNOHANG)
            if pid == 0:
                continue  # its pipes are closed but it runs on: looked at again shortly
            reaping.remove(record)
            rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            result = record["answer"](b"".join(record[record["out"]]), b"".join(record[record["err"]]), rc)
            send("FTLModuleResult", {"result": result}, record["id"])

    def step():
        for key, _ in selector.select(0.05 if reaping else None):
            fd = key.fd
            if fd == done_r:
                call_finished()
            elif fd == 0:
                block = os.read(0, 1 << 16)
                if block:
                    wire.extend(block)
                else:
                    stop_reading()
            elif fd in children:
                record = children[fd]
                if fd == record["stdin"]:
                    try:
                        written = os.write(fd, record["input"][: 1 << 16])
                    except BlockingIOError:
                        written = 0
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
        reap()

    def stop_reading():
        if state["reading"]:
            selector.unregister(0)
            state["reading"] = False

    def finish():
        """Every queued call and forked module answered (keepalives too, until the stream ends)."""
        while children or reaping or state["outstanding"]:
            step()

    def end(outcome):
        ended.append(outcome)
        os.write(jobs_w, b"e")

    def after(outcome):
        """``outcome``, unless a module ended the gate meanwhile (its exit status then)."""
        return outcome if state["exit"] is None else ("exit", state["exit"])

    def serve():
        while True:
            while state["exit"] is None:
                try:
                    taken = take()
                except Unreadable:
                    stop_reading()
                    finish()
                    return after(("handover", bytes(wire), state["hello"]))
                if taken is None:
                    break
                raw, message = taken
                kind, data = message[0], message[1]
                msg_id = message[2] if len(message) == 3 else (None if not state["hello"] else 0)
                if not state["hello"]:
                    capabilities = data.get("capabilities", []) if isinstance(data, dict) else None
                    if kind != "Hello" or not isinstance(capabilities, list) or "multiplex" not in capabilities or data.get("policy_rules"):
                        return ("handover", raw + bytes(wire), False)
                    answer = dict(data)
                    answer["gate_hash"] = the_gate_hash()
                    answer["capabilities"] = ["multiplex"]
                    send("Hello", answer, msg_id)
                    state["hello"] = True
                elif kind == "Hello":
                    send("Hello", {"gate_hash": the_gate_hash()}, msg_id)
                elif kind == "Shutdown":
                    send("Goodbye", {}, msg_id)
                    stop_reading()
                    finish()
                    return after(("exit", 0))
                elif kind == "FTLModule" and isinstance(data, dict) and data.get("module") and plainly_sync(data):
                    queue(data, msg_id)
                else:
                    pending = raw + bytes(wire)
                    stop_reading()
                    finish()  # FTL2's gate gets the rest of the conversation once nothing of ours is running
                    return after(("handover", pending, True))
            if state["exit"] is not None:
                stop_reading()
                finish()
                return ("exit", state["exit"])
            if not state["reading"]:
                if bytes(wire).strip():
                    # A message cut short by the end of input. FTL2's client sends ``Shutdown`` and closes
                    # the connection at once, and its last bytes are sometimes lost on the way: answered
                    # here as FTL2's gate answers it (a system error, exit status 1), without importing it.
                    finish()
                    problem = "System error: %s" % (cut_short(),)
                    send("GateSystemError", {"message": problem, "traceback": "ProtocolError: %s\n" % (problem[14:],)}, None)
                    return after(("exit", 1))
                finish()
                return after(("exit", 0))
            step()

    try:
        selector.register(done_r, selectors.EVENT_READ)
        try:
            selector.register(0, selectors.EVENT_READ)
        except (OSError, ValueError):  # stdin a regular file (not over SSH): FTL2's gate has a reader for that
            end(("handover", b"", False))
            return
        if hasattr(gc, "freeze"):
            gc.freeze()
        gc.enable()
        outcome = serve()
    except Exception as error:  # a fault of this loop: FTL2's gate would answer a system error
        import traceback
        try:
            send("GateSystemError", {"message": "System error: %s" % (error,), "traceback": traceback.format_exc()}, None)
        except Exception:
            pass
        outcome = ("exit", 1)
    selector.close()
    end(outcome)


code = lean_gate() if own_loop else run_ftl2()
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
