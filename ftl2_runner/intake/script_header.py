"""The ``hosts:`` line of an FTL2 script: what makes AWX list it, and what it means.

AWX offers a project file as a job template's playbook only when it is ``*.yml``/``*.yaml``
and one of its lines matches ``^\\s*?-?\\s*?(?:hosts|include|import_playbook):\\s*?.*?$``.
A top-level ``hosts: all`` (or ``hosts: "web:&prod"``) is such a line *and* valid Python —
an annotated name — so a Python script can carry it. We give it the meaning an Ansible
user reads into it: the host pattern of the script's default play. Calls that name no
host (``ftl.ping()``) run on the hosts it matches, under ``PLAY [<pattern>]``.

The annotation is read from the source (``ast``), never evaluated: ``hosts: web``
would raise ``NameError`` when the module runs, so it is refused with a message that
says how to write it instead.
"""

from __future__ import annotations

import ast


class ScriptHeaderError(Exception):
    """The script's ``hosts:`` line cannot be understood; the message says how to fix it."""


def declared_hosts(source: str, path: str = "<script>") -> str | None:
    """The host pattern a script declares with a top-level ``hosts:`` line, or None.

    ``hosts: all`` gives ``"all"``; ``hosts: "pattern"`` (or ``hosts: str = "pattern"``)
    gives the string. A script that is not valid Python declares nothing here (the
    loader reports its syntax error).
    """
    try:
        tree = ast.parse(source, path)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "hosts"):
            continue
        if node.value is not None and not _is_str_annotation(node.annotation):
            continue  # `hosts: list[str] = [...]`: an ordinary variable of the script, not a header
        pattern = _pattern_of(node)
        if pattern is None:
            raise ScriptHeaderError(
                f"{path}:{node.lineno}: the 'hosts:' line must be 'hosts: all' or a quoted host pattern "
                f"such as 'hosts: \"webservers\"' (found 'hosts: {ast.unparse(node.annotation)}')"
            )
        if not pattern.strip():
            raise ScriptHeaderError(f"{path}:{node.lineno}: the 'hosts:' line names no host pattern")
        return pattern.strip()
    return None


def _pattern_of(node: ast.AnnAssign) -> str | None:
    annotation, value = node.annotation, node.value
    if value is None:
        if isinstance(annotation, ast.Name) and annotation.id == "all":
            return "all"
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            return annotation.value
        return None
    # hosts: str = "web"
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return None


def _is_str_annotation(annotation: ast.expr) -> bool:
    return isinstance(annotation, ast.Name) and annotation.id == "str"
