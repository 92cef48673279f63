"""The lookups behind ansible-core's ``with_<lookup>:`` loops, as their plugins turn terms into items.

A playbook's ``with_items: [...]`` is ``loop:`` over ``lookup('items', ...)``; the loop's items are
what the lookup returns, and the final result's event says which lookup it was (``event_loop``).
Each function here takes the terms as a playbook writes them (already rendered) and returns the
items in the plugin's order, with its errors' words where a script can get them wrong.
"""

from __future__ import annotations

import copy
import glob
import itertools
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any


class LookupError_(ValueError):
    """Terms a lookup refuses (the message is ansible-core's)."""


def items(terms: Iterable[Any]) -> list[Any]:
    """``with_items``: the terms, lists among them flattened one level."""
    out: list[Any] = []
    for term in terms:
        if isinstance(term, (list, tuple)):
            out.extend(term)
        else:
            out.append(term)
    return out


def dict_items(terms: Any) -> list[dict[str, Any]]:
    """``with_dict``: ``{"key": k, "value": v}`` per entry of each mapping, in its order."""
    mappings = terms if isinstance(terms, (list, tuple)) else [terms]
    out: list[dict[str, Any]] = []
    for mapping in mappings:
        if not isinstance(mapping, Mapping):
            raise LookupError_(f"with_dict expects a dict, got {mapping!r}")
        out.extend({"key": key, "value": value} for key, value in mapping.items())
    return out


def together(lists: Iterable[Any]) -> list[list[Any]]:
    """``with_together``: the lists side by side, the shorter ones padded with ``None``."""
    lists = [list(x) if isinstance(x, (list, tuple)) else [x] for x in lists]
    if not lists:
        raise LookupError_("with_together requires at least one element in each list")
    return [list(row) for row in itertools.zip_longest(*lists, fillvalue=None)]


def nested(lists: Iterable[Any]) -> list[list[Any]]:
    """``with_nested``: every combination, the first list outermost."""
    lists = [list(x) if isinstance(x, (list, tuple)) else [x] for x in lists]
    if not lists:
        raise LookupError_("with_nested requires at least one element in the nested list")
    return [list(row) for row in itertools.product(*lists)]


_SHORTCUT = re.compile(
    r"^(?:(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)-)?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)(?:/(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*))?(?::(.+))?$", re.I
)


def _number(text: str) -> int:
    return int(text, 0) if not re.fullmatch(r"0[0-7]+", text) else int(text, 8)


def sequence(terms: Iterable[str]) -> list[str]:
    """``with_sequence``: ``start=1 end=5 stride=1 format=%d`` (or ``count=``), or the ``[start-]end[/stride][:format]`` form."""
    out: list[str] = []
    for term in terms:
        start, end, stride, count, fmt = 1, None, 1, None, "%d"
        match = _SHORTCUT.match(term.strip())
        if "=" not in term and match:
            first, last, step, form = match.groups()
            start = _number(first) if first else 1
            end, stride, fmt = _number(last), _number(step) if step else 1, form or "%d"
        else:
            for part in term.split():
                name, _, value = part.partition("=")
                if name == "start":
                    start = _number(value)
                elif name == "end":
                    end = _number(value)
                elif name == "stride":
                    stride = _number(value)
                elif name == "count":
                    count = _number(value)
                elif name == "format":
                    fmt = value
                else:
                    raise LookupError_(f"unrecognized arguments to with_sequence: {[name]}")
        if count is not None:
            if end is not None:
                raise LookupError_("can't specify both count and end in with_sequence")
            end = start + count * stride - 1 if count else start - 1
        if end is None:
            raise LookupError_("must specify count or end in with_sequence")
        if stride == 0:
            continue
        last = end + (1 if stride > 0 else -1)
        out.extend(fmt % number for number in range(start, last, stride))
    return out


def fileglob(patterns: Iterable[str], playbook_dir: str | None) -> list[str]:
    """``with_fileglob``: the files (not directories) a pattern matches on the controller; a relative
    pattern's directory is looked up under the playbook's ``files/``, then beside the playbook."""
    out: list[str] = []
    for pattern in patterns:
        directory, name = os.path.split(pattern)
        if not os.path.isabs(pattern):
            base = playbook_dir or os.getcwd()
            candidates = [os.path.join(base, "files", directory), os.path.join(base, directory)]
            directory = next((c for c in candidates if os.path.isdir(c)), "")
            if not directory:
                continue
        out.extend(path for path in glob.glob(os.path.join(directory, name)) if os.path.isfile(path))
    return out


def subelements(elements: Any, subkey: str, flags: Mapping[str, Any] | None = None) -> list[list[Any]]:
    """``with_subelements``: ``[element, sub]`` for every ``sub`` in each element's ``subkey`` list (a dotted
    path); the element is shown without that key, as the plugin pops it."""
    skip_missing = bool((flags or {}).get("skip_missing", False))
    if isinstance(elements, Mapping):
        elements = list(elements.values())
    if not isinstance(elements, (list, tuple)):
        raise LookupError_("subelements lookup expects a list of two or three items, first a dict or a list")
    path = subkey.split(".")
    out: list[list[Any]] = []
    for element in copy.deepcopy(list(elements)):
        if not isinstance(element, dict):
            raise LookupError_(f"subelements lookup expects a dictionary, got '{element}'")
        if element.get("skipped") is True:
            continue
        value: Any = element
        sublist: Any = []
        for index, key in enumerate(path):
            if key not in value:
                if skip_missing:
                    sublist = []
                    break
                raise LookupError_(f"could not find '{key}' key in iterated item '{value}'")
            if index < len(path) - 1:
                value = value[key]
            else:
                sublist = value.pop(key, [])
        if not isinstance(sublist, list):
            raise LookupError_(f"the key {subkey} should point to a list, got '{sublist}'")
        out.extend([element, sub] for sub in sublist)
    return out
