"""What a script author sees when the script is wrong: pointed at their own lines.

ansible-playbook answers a broken playbook with the file, line and column and the
offending source lines with a caret (``Origin: site.yml:4:7``); a script author deserves
the same for Python. So:

* a ``SyntaxError`` becomes an ``Origin:`` block like Ansible's YAML errors;
* a traceback starts at the first frame of the script (the executor's and asyncio's
  frames above it say nothing to the author); ``-vvv`` keeps the whole traceback, for
  us and for bug reports;
* a module call that was never awaited is named by the script line that made it
  (Python's own warning names our internal coroutine, ``TaskExecutor.run_task``).
"""

from __future__ import annotations

import contextvars
import linecache
import os
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

FULL_TRACEBACK_VERBOSITY = 3
_CONTEXT_LINES = 2  # Ansible shows the offending line and the two before it


_MAX_ANNOTATED_LINE_WIDTH = 120  # ansible-core's SourceContext limits, for the same layout
_TRUNCATION_MARKER = "..."


def origin_block(path: str, line: int, column: int) -> list[str]:
    """``Origin: path:line:column``, a blank line, the source lines and a caret, as Ansible prints them.

    Line numbers are right-aligned to the width of the last one, long lines are cut with ``...``
    and the caret goes after the column when it would not fit, as ansible-core's ``SourceContext``.
    """
    lines = [f"Origin: {path}:{line}:{column}", ""]
    if line <= 0:
        return lines
    width = len(str(line))
    max_len = _MAX_ANNOTATED_LINE_WIDTH - width - 1
    usable = max_len
    for number in range(max(1, line - _CONTEXT_LINES), line + 1):
        source = linecache.getline(path, number).rstrip("\n").replace("\t", " ")
        if len(source) > max_len:
            source = source[: max_len - len(_TRUNCATION_MARKER)] + _TRUNCATION_MARKER
            usable = max_len - len(_TRUNCATION_MARKER)
        lines.append(f"{str(number).rjust(width)}{' ' if source else ''}{source}")
    if usable >= column >= 1:
        marker = f"column {column}"
        if column - 1 + 2 + len(marker) > max_len:
            marker = f"{' ' * (column - 1 - len(marker) - 1)}{marker} ^"
        else:
            marker = f"{' ' * (column - 1)}^ {marker}"
        lines.append(f"{' ' * width} {marker}")
    return lines


def syntax_error_message(exc: SyntaxError, script: str) -> str:
    """The error text for a script (or a module it imports) that is not valid Python."""
    filename = exc.filename or script
    linecache.checkcache(filename)
    if os.path.abspath(filename) == os.path.abspath(script):
        lines = [f"the FTL2 script {filename} is not valid Python: {exc.msg}"]
    else:
        lines = [f"{filename}, imported by the FTL2 script {script}, is not valid Python: {exc.msg}"]
    lines += origin_block(filename, exc.lineno or 0, exc.offset or 1)
    return "\n".join(lines)


class UsageError(ValueError):
    """A script uses ftl2-runner's API in a way that has no playbook meaning (raised at the call).

    Its traceback ends at the script's line: the frames of ftl2-runner that found the mistake
    say nothing to the author (``-vvv`` shows them).
    """


def script_traceback(exc: BaseException, script: str, verbosity: int) -> str:
    """The traceback of ``exc`` from the script's first frame on (all frames from ``-vvv``).

    The script's first frame is the first one in ``script``, else (a launcher's script, a
    helper module failing at import) the first one outside ftl2-runner, the standard
    library and importlib's frozen modules.
    """
    if verbosity >= FULL_TRACEBACK_VERBOSITY:
        return "".join(traceback.format_exception(exc)).rstrip()
    trimmed = _first_frame(exc.__traceback__, lambda name: name == os.path.abspath(script))
    if trimmed is None:
        trimmed = _first_frame(exc.__traceback__, lambda name: not name.startswith(_NOT_THE_SCRIPTS))
    if trimmed is None:
        return "".join(traceback.format_exception(exc)).rstrip()
    if isinstance(exc, UsageError):
        frames = traceback.format_list(_up_to_the_script(trimmed))
        return "".join(["Traceback (most recent call last):\n", *frames, *traceback.format_exception_only(exc)]).rstrip()
    return "".join(traceback.format_exception(type(exc), exc, trimmed)).rstrip()


def _up_to_the_script(tb: TracebackType) -> traceback.StackSummary:
    """The frames from ``tb`` on, without ftl2-runner's own frames after the last one outside it."""
    frames = traceback.extract_tb(tb)
    while len(frames) > 1 and frames[-1].filename.startswith(_NOT_THE_SCRIPTS[0]):
        frames.pop()
    return frames


_NOT_THE_SCRIPTS = (
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep,  # ftl2_runner/
    os.path.dirname(os.__file__) + os.sep,  # the standard library (asyncio, importlib)
    "<frozen ",
)


def _first_frame(tb: TracebackType | None, is_wanted: Callable[[str], bool]) -> TracebackType | None:
    while tb is not None:
        if is_wanted(tb.tb_frame.f_code.co_filename):
            return tb
        tb = tb.tb_next
    return None


UNAWAITED_PREFIX = "ftl2-runner call "


def name_for_unawaited(origin: tuple[str, int, int] | None) -> str | None:
    """A coroutine ``__qualname__`` that says where the call was made, for Python's warning.

    Python's ``coroutine '<qualname>' was never awaited`` warning is raised when the
    coroutine is collected, which may be far from the line that made the call; naming
    the coroutine after that line makes even the raw warning point at the script.
    """
    if origin is None or origin[1] <= 0:
        return None
    path, line, _column = origin
    return f"{UNAWAITED_PREFIX}{path}:{line}"


def unawaited_call_warning(message: str) -> str | None:
    """Our wording for Python's warning about a module call the script did not await, else None."""
    head = f"coroutine '{UNAWAITED_PREFIX}"
    if not message.startswith(head):
        return None
    location = message[len(head) :].split("'", 1)[0]
    path, _, line = location.rpartition(":")
    if not line.isdigit():
        return None
    source = linecache.getline(path, int(line)).strip()
    return f"{path}:{line}: a module call was never awaited, so it did not run: {source} (put 'await' before the call)"


def named_after_call(coroutine: Any, origin: tuple[str, int, int] | None) -> Any:
    """Return ``coroutine``, renamed after the script line that made the call (see above)."""
    name = name_for_unawaited(origin)
    if name is not None:
        try:
            coroutine.__qualname__ = name
        except (AttributeError, TypeError):  # not a coroutine object: nothing to rename
            pass
    return coroutine


def call_site(skip_dirs: tuple[str, ...]) -> tuple[str, int, int]:
    """``(file, line, column)`` of the script line that made the current call.

    Used for ``task_path`` and the ``Origin:`` line of failures, so users can find
    the call in their script the way Ansible points at the YAML task.
    """
    frame: Any = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(skip_dirs) and not filename.startswith("<"):
            column = 1
            try:
                positions = list(frame.f_code.co_positions())[frame.f_lasti // 2]
                if positions[2] is not None:
                    column = positions[2] + 1
            except (IndexError, ValueError):
                pass
            return filename, frame.f_lineno, column
        frame = frame.f_back
    return "<unknown>", 0, 0


def _site_packages_of(package: str) -> str:
    import importlib.util
    import os

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return "\0"
    return os.path.dirname(list(spec.submodule_search_locations)[0])


_skip_dirs: tuple[str, ...] | None = None


def script_call_site() -> tuple[str, int, int]:
    """The call site outside ftl2-runner, FTL2 and the standard library."""
    global _skip_dirs
    if _skip_dirs is None:
        import os

        package_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        _skip_dirs = (package_dir, _site_packages_of("ftl2"), os.path.dirname(contextvars.__file__))
    return call_site(_skip_dirs)
