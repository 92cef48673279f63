"""Ansible's filters for sets, combinatorics and numbers, and its random choices.

The set filters answer in the order ansible-core's do (a Python set's order where the items can be
hashed, first-seen order where they cannot). Behaviour and messages follow ansible-core 2.21's
documentation of each filter; the code is ftl2-runner's own.
"""

from __future__ import annotations

import itertools
import math
import random as _random
import re
from collections.abc import Callable
from typing import Any

from jinja2 import pass_environment
from jinja2.filters import do_unique

from .plugin_support import PluginError


def _first_seen(items: Any) -> list[Any]:
    kept: list[Any] = []
    for item in items:
        if item not in kept:
            kept.append(item)
    return kept


@pass_environment
def unique(environment: Any, a: Any, case_sensitive: Any = None, attribute: Any = None) -> list[Any]:
    """Jinja's ``unique`` (case-insensitive unless told); items that cannot be hashed by first sight."""
    try:
        return list(do_unique(environment, a, case_sensitive=bool(case_sensitive), attribute=attribute))
    except Exception as exc:
        if case_sensitive is False or attribute:
            raise PluginError(
                "Jinja2's unique filter failed and we cannot fall back to Ansible's version as it does not support the parameters supplied."
            ) from exc
    return _first_seen(a)


@pass_environment
def intersect(environment: Any, a: Any, b: Any) -> list[Any]:
    try:
        return list(set(a) & set(b))
    except TypeError:
        return unique(environment, [x for x in a if x in b], True)


@pass_environment
def difference(environment: Any, a: Any, b: Any) -> list[Any]:
    try:
        return list(set(a) - set(b))
    except TypeError:
        return unique(environment, [x for x in a if x not in b], True)


@pass_environment
def union(environment: Any, a: Any, b: Any) -> list[Any]:
    try:
        return list(set(a) | set(b))
    except TypeError:
        return unique(environment, a + b, True)


@pass_environment
def symmetric_difference(environment: Any, a: Any, b: Any) -> list[Any]:
    try:
        return list(set(a) ^ set(b))
    except TypeError:
        common = intersect(environment, a, b)
        return [x for x in union(environment, a, b) if x not in common]


def logarithm(x: Any, base: Any = math.e) -> float:
    try:
        return math.log10(x) if base == 10 else math.log(x, base)
    except TypeError as exc:
        raise PluginError("log() can only be used on numbers") from exc


def power(x: Any, y: Any) -> float:
    try:
        return math.pow(x, y)
    except TypeError as exc:
        raise PluginError("pow() can only be used on numbers") from exc


def inversepower(x: Any, base: Any = 2) -> float:
    try:
        return math.sqrt(x) if base == 2 else math.pow(x, 1.0 / float(base))
    except (ValueError, TypeError) as exc:
        raise PluginError("root() can only be used on numbers") from exc


# Binary prefixes, largest first, as ansible-core's size formatters know them.
_SIZES: dict[str, int] = {
    "Y": 1 << 80,
    "Z": 1 << 70,
    "E": 1 << 60,
    "P": 1 << 50,
    "T": 1 << 40,
    "G": 1 << 30,
    "M": 1 << 20,
    "K": 1 << 10,
    "B": 1,
}
_UNIT_NAMES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "B": (("byte", "B"), ("bit", "b")),
    "K": (("kilobyte", "KB"), ("kilobit", "Kb")),
    "M": (("megabyte", "MB"), ("megabit", "Mb")),
    "G": (("gigabyte", "GB"), ("gigabit", "Gb")),
    "T": (("terabyte", "TB"), ("terabit", "Tb")),
    "P": (("petabyte", "PB"), ("petabit", "Pb")),
    "E": (("exabyte", "EB"), ("exabit", "Eb")),
    "Z": (("zetabyte", "ZB"), ("zetabit", "Zb")),
    "Y": (("yottabyte", "YB"), ("yottabit", "Yb")),
}


def _bytes_to_human(size: Any, isbits: bool, unit: str | None) -> str:
    base = "bits" if isbits else "Bytes"
    suffix, limit = "B", 1
    for suffix, limit in _SIZES.items():
        if (unit is None and size >= limit) or (unit is not None and unit.upper() == suffix[0]):
            break
    shown = suffix + base[0] if limit != 1 else base
    return "%.2f %s" % (size / limit, shown)


def human_readable(size: Any, isbits: bool = False, unit: str | None = None) -> str:
    """A byte (or bit) count with a binary prefix: ``1.00 KB`` for 1024."""
    try:
        return _bytes_to_human(size, isbits, unit)
    except TypeError as exc:
        raise PluginError("human_readable() failed on bad input") from exc
    except Exception as exc:
        raise PluginError("human_readable() can't interpret the input") from exc


def _human_to_bytes(number: Any, default_unit: str | None, isbits: bool) -> int:
    match = re.search(r"^([0-9]*\.?[0-9]+)(?:\s*([A-Za-z]+))?\s*$", str(number))
    if match is None:
        raise ValueError(f"human_to_bytes() can't interpret following string: {number}")
    num = float(match.group(1))
    unit = match.group(2) or default_unit
    if unit is None:
        return int(round(num))
    range_key = unit[0].upper()
    if range_key not in _SIZES:
        raise ValueError(f"human_to_bytes() failed to convert {number} (unit = {unit}). The suffix must be one of {', '.join(_SIZES)}")
    if len(unit) > 1:
        unit_class, unit_class_name = ("b", "bit") if isbits else ("B", "byte")
        expected = f"expect {unit_class} or {unit_class_name}" if range_key == "B" else f"expect {range_key}{unit_class} or {range_key}"
        long_name, short_name = _UNIT_NAMES[range_key][1 if isbits else 0]
        if unit.lower() != long_name and unit != short_name:
            raise ValueError(f"human_to_bytes() failed to convert {number}. Value is not a valid string ({expected})")
    return int(round(num * _SIZES[range_key]))


def human_to_bytes(size: Any, default_unit: str | None = None, isbits: bool = False) -> int:
    """The byte (or bit) count a human-readable size names: 1024 for ``1K``."""
    try:
        return _human_to_bytes(size, default_unit, isbits)
    except TypeError as exc:
        raise PluginError("human_to_bytes() failed on bad input") from exc
    except Exception as exc:
        raise PluginError("human_to_bytes() can't interpret the input") from exc


def _generator(seed: Any) -> _random.Random:
    return _random.SystemRandom() if seed is None else _random.Random(seed)


@pass_environment
def rand(environment: Any, end: Any, start: Any = None, step: Any = None, seed: Any = None) -> Any:
    """A random integer below ``end``, or a random item of a sequence (repeatable with ``seed``)."""
    generator = _generator(seed)
    if isinstance(end, int):
        return generator.randrange(start or 0, end, step or 1)
    if hasattr(end, "__iter__"):
        if start or step:
            raise PluginError("start and step can only be used with integer values")
        return generator.choice(end)
    raise PluginError("random can only be used on sequences and integers")


def shuffle(mylist: Any, seed: Any = None) -> Any:
    """The items in a random order (repeatable with ``seed``); a value that is no sequence comes back as it is."""
    try:
        mylist = list(mylist)
        if seed:
            _random.Random(seed).shuffle(mylist)
        else:
            _random.shuffle(mylist)
    except Exception:
        pass
    return mylist


FILTERS: dict[str, Callable[..., Any]] = {
    "unique": unique,
    "intersect": intersect,
    "difference": difference,
    "union": union,
    "symmetric_difference": symmetric_difference,
    "log": logarithm,
    "pow": power,
    "root": inversepower,
    "human_readable": human_readable,
    "human_to_bytes": human_to_bytes,
    "product": itertools.product,
    "permutations": itertools.permutations,
    "combinations": itertools.combinations,
    "zip": zip,
    "zip_longest": itertools.zip_longest,
    "random": rand,
    "shuffle": shuffle,
}
