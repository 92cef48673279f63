"""Human-readable text exactly as Ansible's ``default`` stdout callback prints it.

AWX shows a job's output as the concatenation of the events' ``stdout``, and users
compare it with what ``ansible-playbook`` prints, so banners, colours, result lines and
the recap follow ansible-core's rules (``Display.banner``, ``ansible.utils.color``,
``CallbackBase._dump_results``). These are facts about the output format; the code is
our own.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Mapping
from typing import Any

from ..vars.booleans import ansible_bool

# ansible.constants COLOR_* defaults, as SGR parameters.
COLOR_OK = "0;32"
COLOR_CHANGED = "0;33"
COLOR_ERROR = "0;31"
COLOR_SKIP = "0;36"
COLOR_UNREACHABLE = "1;31"
COLOR_WARN = "1;35"
COLOR_DEPRECATE = "0;35"
COLOR_VERBOSE = "0;34"
COLOR_DEBUG = "1;30"

# ansible.constants.MODULE_NO_JSON: modules whose results the minimal callback prints as text.
_MODULE_NO_JSON = frozenset(("command", "shell", "raw", "script", "win_command", "win_shell"))


def task_error_block(summary: str, origin_lines: list[str], headline: str | None = None, cause: str | None = None) -> str:
    """ansible-core 2.21's ``[ERROR]: Task failed...`` block: the summary, then where the task is.

    A chained error (an action plugin's) puts its ``headline`` above the origin and its ``cause``
    below it, after ``<<< caused by >>>``.
    """
    lines = [f"[ERROR]: {summary}"]
    if headline:
        lines += ["", headline]
    lines += origin_lines
    if cause:
        lines += ["", "<<< caused by >>>", "", cause]
    return "\n".join([*lines, ""])


def _command_generic_msg(host: str, result: Mapping[str, Any], caption: str) -> str:
    text = f"{host} | {caption} | rc={result.get('rc', -1)} >>\n"
    return text + str(result.get("stdout", "")) + str(result.get("stderr", "")) + str(result.get("msg", ""))


def _shown(value: Any) -> Any:
    """A value JSON has no form for, as the callback shows it: dates and times in ISO 8601, else ``str()``."""
    import datetime

    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


_DEBUG_ALLOWED_KEYS = frozenset(("msg", "exception", "warnings", "deprecations"))

# Ansible banners fill max(79, terminal columns - 1); ansible-runner's pty is 80 wide.
DEFAULT_COLUMNS = 79


def colour_enabled(fd: int, environ: Mapping[str, str] = os.environ) -> bool:
    """Decide colour the way ``ansible.utils.color`` does, for the protocol fd.

    Colour is on when the output is a tty whose terminal (``TERM``) supports colours,
    unless ``ANSIBLE_NOCOLOR`` is set; ``ANSIBLE_FORCE_COLOR`` forces it on.
    """
    if ansible_bool(environ.get("ANSIBLE_FORCE_COLOR")):
        return True
    if ansible_bool(environ.get("ANSIBLE_NOCOLOR")):
        return False
    if not os.isatty(fd):
        return False
    try:
        import curses

        curses.setupterm(fd=fd)
        return curses.tigetnum("colors") >= 0
    except Exception:  # no terminfo for TERM, or TERM unset
        return False


def host_label(host: str, result: Mapping[str, Any]) -> str:
    """The host as a result line names it: ``h1 -> db`` for a delegated task (``db(10.0.0.5)`` when
    the delegate's ``ansible_host`` differs from its name), as ``CallbackBase.host_label``."""
    delegated = result.get("_ansible_delegated_vars")
    if not isinstance(delegated, Mapping) or not delegated.get("ansible_delegated_host"):
        return host
    target = str(delegated["ansible_delegated_host"])
    if target == host:
        return host
    label = f"{host} -> {target}"
    address = delegated.get("ansible_host", target)
    return label + (f"({address})" if address != target else "")


def text_width(text: str) -> int:
    """Display width of ``text`` (wide East Asian characters count 2, combining marks 0)."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


class Formatter:
    """Builds the text of each event as the default callback would display it."""

    def __init__(self, colour: bool, verbosity: int = 0, columns: int = DEFAULT_COLUMNS, environ: Mapping[str, str] = os.environ):
        self.colour = colour
        self.verbosity = verbosity
        self.columns = columns
        # The default callback's check_mode_markers option (off unless ANSIBLE_CHECK_MODE_MARKERS is set):
        # only then do check-mode banners say [CHECK MODE].
        self.check_mode_markers = ansible_bool(environ.get("ANSIBLE_CHECK_MODE_MARKERS"))

    def stringc(self, text: str, color: str | None) -> str:
        """Colour every line separately, as ``ansible.utils.color.stringc`` does."""
        if not self.colour or color is None:
            return text
        return "\n".join(f"\x1b[{color}m{line}\x1b[0m" for line in text.split("\n"))

    def banner(self, msg: str) -> str:
        msg = msg.strip()
        star_len = max(3, self.columns - text_width(msg))
        return f"\n{msg} {'*' * star_len}"

    def dump_results(self, result: Mapping[str, Any], verbose_always: bool = False, indent: int | None = None) -> str:
        # As CallbackBase._dump_results: a result that asks to be shown in full is indented wherever it is shown.
        verbose_always = verbose_always or result.get("_ansible_verbose_always") is True
        if indent is None and (verbose_always or self.verbosity > 2):
            indent = 4
        cleaned = {k: v for k, v in result.items() if not k.startswith("_ansible_")}
        if self.verbosity < 3:
            cleaned.pop("invocation", None)
            cleaned.pop("diff", None)
        for key in ("exception", "warnings", "deprecations"):
            cleaned.pop(key, None)
        return json.dumps(cleaned, indent=indent, ensure_ascii=False, sort_keys=True, default=_shown)

    def result_is_verbose(self, result: Mapping[str, Any]) -> bool:
        return (self.verbosity > 0 or result.get("_ansible_verbose_always") is True) and result.get(
            "_ansible_verbose_override", False
        ) is False

    # --- one method per callback hook -------------------------------------------------

    def playbook_start(self, playbook: str) -> str | None:
        """At ``-vv`` and above the default callback names the playbook in a banner."""
        if self.verbosity > 1:
            return self.banner(f"PLAYBOOK: {os.path.basename(playbook)}")
        return None

    def play_start(self, name: str, check_mode: bool = False) -> str:
        check = " [CHECK MODE]" if check_mode and self.check_mode_markers else ""
        return self.banner(f"PLAY [{name}]{check}" if name.strip() else f"PLAY{check}")

    def task_start(self, name: str, task_path: str | None, check_mode: bool = False, args: str | None = None, prefix: str = "TASK") -> str:
        """``TASK [name]`` (``RUNNING HANDLER [name]`` for a handler), with `` args`` inside the brackets
        when ``display_args_to_stdout`` shows them."""
        check = " [CHECK MODE]" if check_mode and self.check_mode_markers else ""
        shown = f" {args}" if args is not None else ""
        text = self.banner(f"{prefix} [{name}{shown}]{check}")
        if self.verbosity >= 2 and task_path:
            text += "\n" + self.stringc(f"task path: {task_path}", COLOR_DEBUG)
        return text

    @staticmethod
    def _clean(result: Mapping[str, Any], action: str) -> Mapping[str, Any]:
        """The default callback shows only msg (and errors) of a debug result, and never its `changed`."""
        if action.rsplit(".", 1)[-1] != "debug":
            return result
        if "msg" in result:
            return {k: v for k, v in result.items() if k in _DEBUG_ALLOWED_KEYS or k.startswith("_ansible_")}
        return {k: v for k, v in result.items() if k not in ("changed", "ansible_loop_var", "failed", "skipped")}

    def ok(self, host: str, result: Mapping[str, Any], action: str = "") -> str:
        result = self._clean(result, action)
        changed = bool(result.get("changed", False))
        msg = f"{'changed' if changed else 'ok'}: [{host_label(host, result)}]"
        if self.result_is_verbose(result):
            msg += " => " + self.dump_results(result, result.get("_ansible_verbose_always") is True)
        return self.stringc(msg, COLOR_CHANGED if changed else COLOR_OK)

    def failed(self, host: str, result: Mapping[str, Any], ignore_errors: bool, error_block: str | None, action: str = "") -> str:
        result = self._clean(result, action)
        parts = []
        if error_block:
            parts.append(self.stringc(error_block, COLOR_ERROR))
        parts.append(self.stringc(f"fatal: [{host_label(host, result)}]: FAILED! => {self.dump_results(result)}", COLOR_ERROR))
        if ignore_errors:
            parts.append(self.ignoring())
        return "\n".join(parts)

    def ignoring(self) -> str:
        return self.stringc("...ignoring", COLOR_SKIP)

    def skipped(self, host: str, result: Mapping[str, Any], action: str = "") -> str:
        result = self._clean(result, action)
        msg = f"skipping: [{host_label(host, result)}]"
        if self.result_is_verbose(result):
            msg += " => " + self.dump_results(result)
        return self.stringc(msg, COLOR_SKIP)

    def unreachable(self, host: str, result: Mapping[str, Any], error_block: str | None) -> str:
        parts = []
        if error_block:
            parts.append(self.stringc(error_block, COLOR_ERROR))
        parts.append(self.stringc(f"fatal: [{host_label(host, result)}]: UNREACHABLE! => {self.dump_results(result)}", COLOR_UNREACHABLE))
        return "\n".join(parts)

    def item(self, host: str, outcome: str, result: Mapping[str, Any], label: Any, action: str = "") -> str:
        """``runner_item_on_*`` lines: ``changed: [h] => (item=x)`` (a ``debug`` item shows only its ``msg`` or variable)."""
        result = self._clean(result, action)
        if outcome == "failed":
            return self.stringc(f"failed: [{host_label(host, result)}] (item={label}) => {self.dump_results(result)}", COLOR_ERROR)
        if outcome == "skipped":
            msg = f"skipping: [{host_label(host, result)}] => (item={label}) "
            if self.result_is_verbose(result):
                msg += " => " + self.dump_results(result)
            return self.stringc(msg, COLOR_SKIP)
        changed = bool(result.get("changed", False))
        msg = f"{'changed' if changed else 'ok'}: [{host_label(host, result)}] => (item={label})"
        if self.result_is_verbose(result):
            msg += " => " + self.dump_results(result, result.get("_ansible_verbose_always") is True)
        return self.stringc(msg, COLOR_CHANGED if changed else COLOR_OK)

    def minimal_result(self, host: str, outcome: str, result: Mapping[str, Any], action: str, error_block: str | None = None) -> str:
        """The ``minimal`` callback's lines, used for ad hoc commands (``ansible -m``)."""
        short = action.rsplit(".", 1)[-1]
        no_json = short in _MODULE_NO_JSON
        prefix = self.stringc(error_block, COLOR_ERROR) + "\n" if error_block else ""
        if outcome == "skipped":
            return self.stringc(f"{host} | SKIPPED", COLOR_SKIP)
        if outcome == "unreachable":
            return prefix + self.stringc(f"{host} | UNREACHABLE! => {self.dump_results(result, indent=4)}", COLOR_UNREACHABLE)
        if outcome == "failed":
            if no_json:
                return prefix + self.stringc(_command_generic_msg(host, result, "FAILED"), COLOR_ERROR)
            return prefix + self.stringc(f"{host} | FAILED! => {self.dump_results(result, indent=4)}", COLOR_ERROR)
        changed = bool(result.get("changed", False))
        state, color = ("CHANGED", COLOR_CHANGED) if changed else ("SUCCESS", COLOR_OK)
        if no_json:
            return self.stringc(_command_generic_msg(host, result, state), color)
        return self.stringc(f"{host} | {state} => {self.dump_results(result, indent=4)}", color)

    def no_hosts_matched(self) -> str:
        return self.stringc("skipping: no hosts matched", COLOR_SKIP)

    def warning(self, msg: str) -> str:
        return self.stringc(f"[WARNING]: {msg}", COLOR_WARN)

    def error(self, msg: str) -> str:
        return self.stringc(f"[ERROR]: {msg}", COLOR_ERROR)

    def verbose(self, msg: str) -> str:
        return self.stringc(msg, COLOR_VERBOSE)

    def recap(self, summaries: Mapping[str, Mapping[str, int]]) -> str:
        lines = [self.banner("PLAY RECAP")]
        for host in sorted(summaries):
            s = summaries[host]
            lines.append(
                "%s : %s %s %s %s %s %s %s"
                % (
                    self._host_colour(host, s),
                    self._colorize("ok", s["ok"], COLOR_OK),
                    self._colorize("changed", s["changed"], COLOR_CHANGED),
                    self._colorize("unreachable", s["unreachable"], COLOR_UNREACHABLE),
                    self._colorize("failed", s["failures"], COLOR_ERROR),
                    self._colorize("skipped", s["skipped"], COLOR_SKIP),
                    self._colorize("rescued", s["rescued"], COLOR_OK),
                    self._colorize("ignored", s["ignored"], COLOR_WARN),
                )
            )
        # The default callback ends the recap with an empty display line.
        lines.append("")
        return "\n".join(lines)

    def _colorize(self, lead: str, num: int, color: str) -> str:
        text = "%s=%-4s" % (lead, num)
        return self.stringc(text, color) if num != 0 else text

    def _host_colour(self, host: str, s: Mapping[str, int]) -> str:
        if not self.colour:
            return "%-26s" % host
        if s["failures"] or s["unreachable"]:
            color = COLOR_ERROR
        elif s["changed"]:
            color = COLOR_CHANGED
        else:
            color = COLOR_OK
        return "%-37s" % self.stringc(host, color)
