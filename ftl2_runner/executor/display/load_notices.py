"""What ansible-playbook prints while it loads the extra vars: deprecated YAML tags, duplicate keys.

ansible-core 2.21 reports these before its callback is loaded, so under ansible-runner they
arrive as plain lines (one ``verbose`` event each), coloured line by line: the first
deprecation of a run is preceded by how to silence them, each notice names its origin
(``file:line:column``) and shows the source around it with a caret under the column, then
the help text. The text is ansible-core's, its source excerpt rule as documented by its
error output: up to two lines before the target, each labelled with its number right-aligned
to the target's, lines cut at 120 columns.
"""

from __future__ import annotations

from ...data.ansible_yaml import LoadNotice
from .events import DEPRECATIONS_CAN_BE_DISABLED
from .formatting import COLOR_DEPRECATE, COLOR_WARN, Formatter

REMOVED_IN = "2.23"  # the ansible-core version the deprecated YAML tags go away in
_CONTEXT_LINES = 2
_MAX_WIDTH = 120
_TRUNCATED = "..."


def source_excerpt(path: str, line_num: int, col_num: int) -> list[str]:
    """The annotated lines ansible-core shows under ``Origin:`` (empty when the file cannot be read)."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return []
    if line_num < 1 or line_num > len(lines):
        return []
    first = max(0, line_num - 1 - _CONTEXT_LINES)
    width = len(str(line_num))
    longest = _MAX_WIDTH - width - 1
    usable = longest
    shown = []
    for number, line in enumerate(lines[first:line_num], first + 1):
        line = line.replace("\t", " ")
        if len(line) > longest:
            line = line[: longest - len(_TRUNCATED)] + _TRUNCATED
            usable = longest - len(_TRUNCATED)
        shown.append(f"{str(number).rjust(width)}{' ' if line else ''}{line}")
    if 1 <= col_num <= usable:
        marker = f"column {col_num}"
        if col_num - 1 + 2 + len(marker) > longest:
            marker = f"{' ' * (col_num - 1 - len(marker) - 1)}{marker} ^"
        else:
            marker = f"{' ' * (col_num - 1)}^ {marker}"
        shown.append(f"{' ' * width} {marker}")
    return shown


def notice_text(path: str, notice: LoadNotice) -> str:
    """One notice, uncoloured, as ansible-core words it (ends with an empty line)."""
    if notice.kind == "deprecation":
        head = f"[DEPRECATION WARNING]: {notice.message} This feature will be removed from ansible-core version {REMOVED_IN}."
    else:
        head = f"[WARNING]: {notice.message}"
    lines = [head, f"Origin: {path}:{notice.line}:{notice.column}"]
    excerpt = source_excerpt(path, notice.line, notice.column)
    if excerpt:
        lines += ["", *excerpt]
    if notice.help_text:
        lines += ["", notice.help_text]
    return "\n".join(lines) + "\n"


def render_notices(notices: list[tuple[str, LoadNotice]], formatter: Formatter, environ_deprecations: bool = True) -> str:
    """Every notice as the plain text ansible-playbook prints before its first event.

    ``environ_deprecations`` is ansible-core's ``DEPRECATION_WARNINGS`` (``ANSIBLE_DEPRECATION_WARNINGS``).
    """
    out = []
    shown_hint = False
    for path, notice in notices:
        if notice.kind == "deprecation":
            if not environ_deprecations:
                continue
            if not shown_hint:
                out.append(formatter.stringc(DEPRECATIONS_CAN_BE_DISABLED, COLOR_WARN))
                shown_hint = True
            out.append(formatter.stringc(notice_text(path, notice), COLOR_DEPRECATE))
        else:
            out.append(formatter.stringc(notice_text(path, notice), COLOR_WARN))
    return "\n".join(out) + "\n" if out else ""
