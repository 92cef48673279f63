"""Text that is never a template: YAML's ``!unsafe`` values, as ansible-core treats them.

AWX writes every survey answer, launch-time variable and ``awx_*`` meta variable into
``env/extravars`` under the ``!unsafe`` tag (its default ``ALLOW_JINJA_IN_EXTRA_VARS =
'template'``), so that a user who may launch a job cannot make it evaluate Jinja: an answer
``2.{{ lookup('pipe', 'id') }}`` must print as typed. ansible-core loads such a value as
text that no template, condition or module argument ever evaluates, and what it is copied
into (a set fact, a registered result) stays so.

A Python script handles these values as strings, and Python's own ways of building strings
(f-strings, ``%``, ``"".join``, ``str.format``) return a plain ``str`` whatever the operands
were: the type alone cannot carry the promise. So the rule is about the *text*:

* :class:`UnsafeText` is the ``str`` subclass the loader returns; its own methods
  (``upper()``, ``+``, slicing, ``split()``...) return :class:`UnsafeText` again.
* Every unsafe text that could change a template around it (a delimiter inside, or one of
  their characters at its edge: see ``_could_change_a_template``) is remembered for the job
  (:func:`protected_texts`). Wherever ftl2-runner templates a string — a module argument, a
  ``debug`` message, a ``set_fact``/``set_stats`` value, a loop label, ``delegate_to`` —
  each occurrence of such a text is kept verbatim and only the rest is templated
  (:func:`shield`/:func:`unshield`), so an unsafe value embedded in a string the script
  built is still never evaluated. The result of such a template is :class:`UnsafeText`.

The price of matching by text: a script's *own* template that contains exactly the text of
an unsafe value (the survey answer was ``{{ inventory_hostname }}`` and the script also
writes ``"{{ inventory_hostname }}"``) is not templated either. ftl2-runner cannot tell the
two apart, and it errs on the side that runs no user-supplied template.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, SupportsIndex

# Jinja's delimiters (block, variable, comment), opening or closing: a text without any of them
# cannot change what a template around it means.
_DELIMITERS = ("{{", "}}", "{%", "%}", "{#", "#}")
_EDGES = frozenset("{}%#")  # a delimiter's characters: one at a text's edge pairs with the template's next to it
_PROTECTED: set[str] = set()


def _could_change_a_template(text: str) -> bool:
    """Whether ``text`` inside a template could make or break Jinja syntax there.

    A delimiter inside it, or one of a delimiter's characters at its start or end, where it pairs
    with the template's own character next to it: a survey answer or a host's output ``{ x }``
    in a script's ``f"${{{answer}}}"`` makes ``${{ x }}``. Texts that are only delimiters, their
    characters and whitespace (a ``}}`` line of a host's file) hold no expression of their own;
    remembering them would keep every ``}}`` of the script's own templates from closing.
    """
    plain = str.__str__(text)  # str's own methods: UnsafeText's return UnsafeText, which would come back here
    if not plain:
        return False
    if not (plain[0] in _EDGES or plain[-1] in _EDGES or any(d in plain for d in _DELIMITERS)):
        return False
    return plain.strip(" \t\r\n{}%#-+") != ""


_PLACEHOLDER = re.compile("\x00\x01([0-9]+)\x01\x00")


class UnsafeText(str):
    """A string ansible-core would never template (YAML ``!unsafe``); see the module docstring."""

    __slots__ = ()
    __UNSAFE__ = True  # the attribute AWX's own loader and ansible-core's old AnsibleUnsafe set

    def __new__(cls, value: object = "") -> UnsafeText:
        text = super().__new__(cls, value)
        if _could_change_a_template(text):
            _PROTECTED.add(str.__str__(text))
        return text

    def __str__(self) -> str:  # str(x) of an unsafe value stays unsafe
        return self

    def __repr__(self) -> str:
        return str.__repr__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (UnsafeText, (str.__str__(self),))

    def __add__(self, other: str) -> UnsafeText:
        return UnsafeText(str.__add__(self, other))

    def __radd__(self, other: str) -> UnsafeText:
        return UnsafeText(str.__add__(other, self))

    def __mod__(self, values: Any) -> UnsafeText:
        return UnsafeText(str.__mod__(self, values))

    def __getitem__(self, key: SupportsIndex | slice) -> UnsafeText:
        return UnsafeText(str.__getitem__(self, key))

    def __mul__(self, count: SupportsIndex) -> UnsafeText:
        return UnsafeText(str.__mul__(self, count))


def _wrap_text(name: str) -> Callable[..., Any]:
    method = getattr(str, name)

    def wrapped(self: UnsafeText, *args: Any, **kwargs: Any) -> Any:
        return UnsafeText(method(self, *args, **kwargs))

    wrapped.__name__ = name
    wrapped.__doc__ = method.__doc__
    return wrapped


def _wrap_parts(name: str) -> Callable[..., Any]:
    method = getattr(str, name)

    def wrapped(self: UnsafeText, *args: Any, **kwargs: Any) -> Any:
        parts = method(self, *args, **kwargs)
        return type(parts)(UnsafeText(p) for p in parts)

    wrapped.__name__ = name
    wrapped.__doc__ = method.__doc__
    return wrapped


for _name in (
    "capitalize",
    "casefold",
    "center",
    "expandtabs",
    "format",
    "format_map",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "removeprefix",
    "removesuffix",
    "replace",
    "rjust",
    "rstrip",
    "strip",
    "swapcase",
    "title",
    "translate",
    "upper",
    "zfill",
):
    setattr(UnsafeText, _name, _wrap_text(_name))
for _name in ("partition", "rpartition", "rsplit", "split", "splitlines"):
    setattr(UnsafeText, _name, _wrap_parts(_name))


def is_unsafe(value: object) -> bool:
    return isinstance(value, UnsafeText)


def mark_unsafe(value: Any) -> Any:
    """``value`` with every string in it (keys included, at any depth) made :class:`UnsafeText`."""
    if isinstance(value, str):
        return value if isinstance(value, UnsafeText) else UnsafeText(value)
    if isinstance(value, dict):
        return {mark_unsafe(k): mark_unsafe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mark_unsafe(v) for v in value]
    if isinstance(value, tuple):
        return tuple(mark_unsafe(v) for v in value)
    return value


def untrusted(value: Any) -> Any:
    """A copy of what a host returned (a module's result, its facts) with every string in it
    :class:`UnsafeText`: data, never a template.

    ansible-core never templates a module's result again (``{{ r.stdout }}`` is the text, whatever
    it holds). A script passes results on as Python values, often inside a string it builds
    (``f"echo {r.stdout}"``), which the runner templates: unmarked, a target's output
    ``{{ ... }}`` was evaluated on the execution node. Containers keep their class when it can be
    made from a plain one (a ``Result`` stays a ``Result``); others (the variable plane's lazy
    containers) are left as they are. Nothing is changed in place: a result may share objects
    with the task's own arguments.
    """
    if isinstance(value, str):
        return value if isinstance(value, UnsafeText) else UnsafeText(value)
    if isinstance(value, dict):
        items = {untrusted(k): untrusted(v) for k, v in value.items()}
        if type(value) is dict:
            return items
        try:
            return type(value)(items)
        except TypeError:
            return value
    if type(value) is list:
        return [untrusted(v) for v in value]
    if type(value) is tuple:
        return tuple(untrusted(v) for v in value)
    return value


def forget_protected_texts() -> None:
    """Start a new job's registry (the executor runs one job per process; tests run many)."""
    _PROTECTED.clear()


def protected_texts() -> frozenset[str]:
    """The unsafe texts of this job that a template could misread (those with Jinja delimiters)."""
    return frozenset(_PROTECTED)


def shield(template: str) -> tuple[str, list[str]]:
    """``template`` with every unsafe text in it replaced by an inert placeholder, and the texts.

    Longer texts are replaced first, so one unsafe text inside another is covered by the outer one.
    The placeholders (control characters and digits) survive Jinja unchanged, case filters included.
    """
    if not _PROTECTED or isinstance(template, UnsafeText):
        return template, []
    found = [text for text in _PROTECTED if text in template]
    if not found:
        return template, []
    found.sort(key=len, reverse=True)
    kept: list[str] = []
    pattern = re.compile("|".join(re.escape(text) for text in found))

    def replace(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00\x01{len(kept) - 1}\x01\x00"

    return pattern.sub(replace, template), kept


def unshield(value: Any, kept: list[str]) -> Any:
    """A rendered value with the placeholders of :func:`shield` put back; strings that got one are unsafe."""
    if not kept:
        return value
    if isinstance(value, str):
        restored = _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], value)
        return UnsafeText(restored) if restored != value or isinstance(value, UnsafeText) else value
    if isinstance(value, dict):
        return {unshield(k, kept): unshield(v, kept) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(unshield(v, kept) for v in value)
    return value
