"""ansible-core's builtin lookups that only rearrange their terms, shared by ``with_<lookup>:`` and ``lookup()``.

A playbook's ``with_items: [...]`` is ``loop:`` over ``lookup('items', ...)``; the loop's items are
what the lookup returns, and the final result's event says which lookup it was (``event_loop``).
Each function here takes the terms as a playbook writes them (already rendered) and returns the
items in the plugin's order, with its errors' words where a script can get them wrong; the same
functions answer ``lookup('items', ...)``/``query(...)`` in templates (:data:`PLUGINS`, called by
:mod:`.lookup_plugins`). The lookups that read the controller are in :mod:`.lookups_controller`.
"""

from __future__ import annotations

import copy
import itertools
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .plugin_support import shown_type

if TYPE_CHECKING:
    from .lookup_support import LookupCall, LookupPlugin


class LookupError_(ValueError):
    """Terms a lookup refuses (the message is ansible-core's)."""


def _flatten(terms: Iterable[Any]) -> list[Any]:
    """ansible-core's ``LookupBase._flatten``: lists among the terms spliced in, one level."""
    return items(terms)


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
            raise LookupError_(f"the 'dict' lookup plugin expects a dictionary, got '{mapping}' of type {shown_type(mapping)})")
        out.extend({"key": key, "value": value} for key, value in mapping.items())
    return out


def together(lists: Iterable[Any]) -> list[list[Any]]:
    """``with_together``: the lists side by side, the shorter ones padded with ``None``."""
    lists = [list(x) if isinstance(x, (list, tuple)) else [x] for x in lists]
    if not lists:
        raise LookupError_("with_together requires at least one element in each list")
    return [_flatten(row) for row in itertools.zip_longest(*lists, fillvalue=None)]


def nested(lists: Iterable[Any]) -> list[list[Any]]:
    """``with_nested``: every combination, the first list outermost."""
    lists = [list(x) if isinstance(x, (list, tuple)) else [x] for x in lists]
    if not lists:
        raise LookupError_("with_nested requires at least one element in the nested list")
    rows: list[list[Any]] = [[x] for x in lists[0]]
    for following in lists[1:]:  # the plugin's `_combine`: each pair flattened one level, again and again
        rows = [_flatten([row, y]) for row in rows for y in following]
    return [_flatten(row) for row in rows]


_SHORTCUT = re.compile(
    r"^(?:(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)-)?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)(?:/(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*))?(?::(.+))?$", re.I
)


def _number(text: str) -> int:
    return int(text, 0) if not re.fullmatch(r"0[0-7]+", text) else int(text, 8)


def sequence(terms: Iterable[str], options: Mapping[str, Any] | None = None) -> list[str]:
    """``with_sequence``: ``start=1 end=5 stride=1 format=%d`` (or ``count=``), or the ``[start-]end[/stride][:format]`` form;
    ``options`` are the same given as a lookup's keywords (the terms' own win)."""
    given = dict(options or {})
    unknown = set(given) - {"start", "end", "count", "stride", "format"}
    if unknown:
        raise LookupError_(f"unrecognized arguments to with_sequence: {sorted(unknown)}")
    terms = list(terms) or ([""] if given else [])
    out: list[str] = []
    for term in terms:
        start, end, stride, count, fmt = (
            int(given.get("start", 1)),
            given.get("end"),
            int(given.get("stride", 1)),
            given.get("count"),
            str(given.get("format", "%d")),
        )
        end = int(end) if end is not None else None
        count = int(count) if count is not None else None
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


# --- as lookup plugins: (terms, call, **options) -> list ------------------------------------------


def _no_options(name: str, options: Mapping[str, Any]) -> None:
    if options:
        raise LookupError_(f"Unsupported option(s) for the {name} lookup: {', '.join(sorted(options))}")


def _items_plugin(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    _no_options("items", options)
    return items(terms)


def _list_plugin(terms: Any, call: LookupCall, **options: Any) -> list[Any]:
    if not isinstance(terms, Sequence):
        raise LookupError_("with_list expects a list")
    return list(terms)


def _dict_plugin(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    return dict_items(list(terms))  # each term one mapping (a list term is not one: ansible-core's error)


def _indexed_items_plugin(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    flat = items(terms)
    return list(zip(range(len(flat)), flat, strict=True))


def _sequence_plugin(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    return sequence([str(term) for term in terms], options)


def _subelements_plugin(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    head = "subelements lookup expects a list of two or three items, "
    if not 2 <= len(terms) <= 3:
        raise LookupError_(head)
    if not isinstance(terms[0], (list, dict)) or not isinstance(terms[1], str):
        raise LookupError_(head + "first a dict or a list, second a string pointing to the subkey")
    flags = terms[2] if len(terms) == 3 else {}
    if not isinstance(flags, dict):
        raise LookupError_(head + "the optional third item must be a dict with flags ('skip_missing',)")
    if isinstance(terms[0], dict) and terms[0].get("skipped", False) is not False:
        return []
    return subelements(terms[0], terms[1], flags)


def _together_plugin(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    return together(terms)


def _nested_plugin(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    return nested(terms)


def _random_choice_plugin(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    return [secrets.choice(terms)] if terms else terms


def plugins() -> dict[str, LookupPlugin]:
    """These lookups by name, for :mod:`.lookup_plugins`."""
    from .lookup_support import LookupPlugin

    return {
        "items": LookupPlugin(_items_plugin),
        "list": LookupPlugin(_list_plugin),
        "dict": LookupPlugin(_dict_plugin),
        "indexed_items": LookupPlugin(_indexed_items_plugin),
        "sequence": LookupPlugin(_sequence_plugin),
        "subelements": LookupPlugin(_subelements_plugin),
        "together": LookupPlugin(_together_plugin),
        "nested": LookupPlugin(_nested_plugin),
        "random_choice": LookupPlugin(_random_choice_plugin),
    }
