"""What every filter and test of :mod:`.ansible_jinja` shares: failures in ansible-core 2.21's words,
and which plugins may receive an undefined value.

ansible-core reports a failing plugin as ``The filter plugin 'ansible.builtin.NAME' failed: <cause>``,
the cause being the chain of messages of the exceptions the plugin raised (``raise ... from``), each
joined to the next by ``": "`` after its trailing full stop is dropped. Some messages name the type
of an argument, and show ansible-core's own container types (every list or dict a template hands a
plugin is one of its lazy containers): :func:`shown_type` gives the same text, so a user reading
AWX sees what ``ansible-playbook`` printed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_LAZY_TYPES: dict[type, str] = {
    list: "_AnsibleLazyTemplateList",
    dict: "_AnsibleLazyTemplateDict",
    tuple: "_AnsibleLazyAccessTuple",
}
_LAZY_MODULE = "ansible._internal._templating._lazy_containers"


class PluginError(Exception):
    """What a filter or test raises for bad input (ansible-core's ``AnsibleFilterError`` and kin)."""


class TemplatePluginFailure(Exception):
    """A filter or test that raised: its message is ansible-core's whole chain, cause included."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"The {kind} plugin {name!r} failed.")

    def __str__(self) -> str:
        return brief_message(self)


def _concat(left: str, right: str) -> str:
    return f"{left.rstrip('. ')}: {right}"


def brief_message(exc: BaseException) -> str:
    """The messages of ``exc`` and its causes in one line, as ansible-core's error summary joins them."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) <= 10:
        parts.append(Exception.__str__(seen).strip() if isinstance(seen, TemplatePluginFailure) else str(seen).strip())
        seen = seen.__cause__
    message = parts.pop()
    for part in reversed(parts):
        message = part if part.endswith(message) else _concat(part, message)
    return message


def shown_type_name(value: Any) -> str:
    """``type(value).__name__`` as ansible-core's message shows it for a plugin's argument."""
    return _LAZY_TYPES.get(type(value), type(value).__name__)


def shown_type(value: Any) -> str:
    """``str(type(value))`` as ansible-core's message shows it for a plugin's argument."""
    lazy = _LAZY_TYPES.get(type(value))
    return f"<class '{_LAZY_MODULE}.{lazy}'>" if lazy else str(type(value))


def accepts_undefined[F: Callable[..., Any]](function: F) -> F:
    """Mark a plugin that receives undefined arguments as they are (``default``, ``mandatory``...).

    ansible-core hands every other plugin's undefined argument back as the template's error
    (``'x' is undefined``) before the plugin runs.
    """
    function.accepts_undefined = True  # type: ignore[attr-defined]
    return function
