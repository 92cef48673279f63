"""Ansible's filters for data: JSON and YAML in and out, merging and reshaping dicts and lists.

Behaviour, arguments and messages follow ansible-core 2.21's documentation of each filter (and its
observed answers, ``tests/data/templating_reference.json``); the code is ftl2-runner's own.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import yaml
from jinja2 import pass_environment

from .plugin_support import PluginError, accepts_undefined, shown_type, shown_type_name

# The only JSON profile ftl2-runner's values need: plain data, dates as ISO text (ansible-core's "tagless").
_JSON_PROFILES = ("tagless",)
_LIST_MERGES = ("replace", "keep", "append", "prepend", "append_rp", "prepend_rp")
_VAULT_BEHAVIORS = ("decrypt", "keep_encrypted", "redact", "fail")


def _undefined(value: Any) -> bool:
    import jinja2

    return isinstance(value, jinja2.Undefined)


# --- JSON ------------------------------------------------------------------------------------


class _PlainEncoder(json.JSONEncoder):
    """Dates and times as ISO 8601 text, mappings and other collections as objects and arrays."""

    def default(self, o: Any) -> Any:
        if isinstance(o, (datetime.date, datetime.time)):
            return o.isoformat()
        if isinstance(o, Mapping):
            return dict(o)
        if isinstance(o, (set, frozenset, tuple)):
            return list(o)
        return super().default(o)


def _check_profile(profile: str | None) -> None:
    if profile is not None and profile not in _JSON_PROFILES:
        raise ValueError(f"Unknown profile name {profile!r}.")


def to_json(a: Any, profile: str | None = None, vault_to_text: Any = ..., preprocess_unsafe: Any = ..., **kwargs: Any) -> str:
    """JSON text of a value; ``kwargs`` are :func:`json.dumps`'s (``indent``, ``sort_keys``...)."""
    if profile and vault_to_text is not ...:
        raise ValueError("Only one of `vault_to_text` or `profile` can be specified.")
    if profile and preprocess_unsafe is not ...:
        raise ValueError("Only one of `preprocess_unsafe` or `profile` can be specified.")
    _check_profile(profile)
    return json.dumps(a, cls=_PlainEncoder, **kwargs)


def to_nice_json(a: Any, indent: int = 4, sort_keys: bool = True, **kwargs: Any) -> str:
    """Indented JSON with sorted keys (separators are always ``,`` and ``: ``)."""
    kwargs.pop("separators", None)
    return to_json(a, indent=indent, sort_keys=sort_keys, separators=(",", ": "), **kwargs)


def from_json(a: Any, profile: str | None = None, **kwargs: Any) -> Any:
    _check_profile(profile)
    return json.loads(a, **kwargs)


# --- YAML ------------------------------------------------------------------------------------

_SafeDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(_SafeDumper):
    """PyYAML's safe dumper (libyaml's where there is one, as ansible-core uses), tuples as lists."""


_Dumper.add_representer(tuple, _Dumper.represent_list)


def to_yaml(a: Any, *_args: Any, default_flow_style: bool | None = None, vault_behavior: str | None = None, **kwargs: Any) -> str:
    """YAML text of a value: flow style for the innermost collections unless told otherwise."""
    if vault_behavior and vault_behavior not in _VAULT_BEHAVIORS:
        raise PluginError(f"The vault parameter must be one of {', '.join(_VAULT_BEHAVIORS)}")
    text: str = yaml.dump(a, Dumper=_Dumper, allow_unicode=True, default_flow_style=default_flow_style, **kwargs)
    return text


def to_nice_yaml(a: Any, indent: int = 4, *_args: Any, default_flow_style: bool = False, **kwargs: Any) -> str:
    """Block-style YAML, indented by 4."""
    return to_yaml(a, indent=indent, default_flow_style=default_flow_style, **kwargs)


def from_yaml(data: Any) -> Any:
    """One YAML document (safe tags only); ``None`` stays ``None``, other non-strings pass through."""
    if isinstance(data, str):
        return yaml.load(data, Loader=_SafeLoader)
    return data


def from_yaml_all(data: Any) -> Any:
    """Every document of a YAML stream, as a list."""
    if data is None:
        return []
    if isinstance(data, str):
        return yaml.load_all(data, Loader=_SafeLoader)
    return data


# --- dicts -----------------------------------------------------------------------------------


def _merge(low: Any, high: Any, recursive: bool, list_merge: str) -> Any:
    """``high`` merged into a copy of ``low`` (ansible-core's ``merge_hash``)."""
    if list_merge not in _LIST_MERGES:
        raise PluginError(
            "merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', 'append', 'prepend', 'append_rp' or 'prepend_rp'"
        )
    if not (isinstance(low, MutableMapping) and isinstance(high, MutableMapping)):
        raise PluginError(
            f"failed to combine variables, expected dicts but got a '{shown_type_name(low)}' and a '{shown_type_name(high)}'."
        )
    if low == {} or low == high:
        return dict(high)
    if high == {}:
        return low
    merged = dict(low)
    for key, new in high.items():
        old = merged.get(key) if key in merged else None
        if key not in merged:
            merged[key] = new
        elif isinstance(old, MutableMapping) and isinstance(new, MutableMapping):
            merged[key] = _merge(old, new, recursive, list_merge) if recursive else new
        elif isinstance(old, MutableSequence) and isinstance(new, MutableSequence):
            merged[key] = _merge_lists(old, new, list_merge)
        else:
            merged[key] = new
    return merged


def _merge_lists(old: MutableSequence[Any], new: MutableSequence[Any], list_merge: str) -> Any:
    if list_merge == "keep":
        return old
    if list_merge == "append":
        return list(old) + list(new)
    if list_merge == "prepend":
        return list(new) + list(old)
    if list_merge == "append_rp":
        return [v for v in old if v not in new] + list(new)
    if list_merge == "prepend_rp":
        return list(new) + [v for v in old if v not in new]
    return new


def combine(*terms: Any, **kwargs: Any) -> Any:
    """Dicts merged left to right (a list of dicts counts as its dicts); later keys win."""
    recursive = kwargs.pop("recursive", False)
    list_merge = kwargs.pop("list_merge", "replace")
    if kwargs:
        raise PluginError("'recursive' and 'list_merge' are the only valid keyword arguments")
    dicts = flatten(terms, levels=1)
    if not dicts:
        return {}
    if len(dicts) == 1:
        return dicts[0]
    merged = dicts[-1]
    for lower in reversed(dicts[:-1]):
        merged = _merge(lower, merged, recursive, list_merge)
    return merged


def dict2items(mydict: Any, key_name: str = "key", value_name: str = "value") -> list[dict[str, Any]]:
    if not isinstance(mydict, Mapping):
        raise PluginError(f"dict2items requires a dictionary, got {shown_type(mydict)} instead.")
    return [{key_name: key, value_name: mydict[key]} for key in mydict]


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def items2dict(mylist: Any, key_name: str = "key", value_name: str = "value") -> dict[Any, Any]:
    if not _is_sequence(mylist):
        raise PluginError(f"items2dict requires a list, got {shown_type(mylist)} instead.")
    try:
        return {item[key_name]: item[value_name] for item in mylist}
    except KeyError:
        raise PluginError(
            f"items2dict requires each dictionary in the list to contain the keys '{key_name}' and '{value_name}', got {mylist} instead."
        ) from None
    except TypeError:
        raise PluginError(f"items2dict requires a list of dictionaries, got {mylist} instead.") from None


def rekey_on_member(data: Any, key: Any, duplicates: str = "error") -> dict[Any, Any]:
    """A dict of the given dicts (or a dict's values) keyed by their ``key`` member."""
    if duplicates not in ("error", "overwrite"):
        raise PluginError(f"duplicates parameter to rekey_on_member has unknown value {duplicates!r}")
    if isinstance(data, Mapping):
        items: Any = data.values()
    elif _is_iterable(data) and not isinstance(data, (str, bytes)):
        items = data
    else:
        raise PluginError("Type is not a valid list, set, or dict")
    rekeyed: dict[Any, Any] = {}
    for item in items:
        if not isinstance(item, Mapping):
            raise PluginError("List item is not a valid dict")
        if key not in item:
            raise PluginError(f"Key {key!r} was not found.")
        new_key = item[key]
        if rekeyed.get(new_key) and duplicates == "error":
            raise PluginError(f"Key {new_key!r} is not unique, cannot convert to dict.")
        rekeyed[new_key] = item
    return rekeyed


def _is_iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


@pass_environment
def extract(environment: Any, item: Any, container: Any, morekeys: Any = None) -> Any:
    """``container[item]`` (then ``[morekeys...]``), looked up as Jinja looks up ``container[item]``."""
    keys = [item] if morekeys is None else [item, *morekeys] if isinstance(morekeys, list) else [item, morekeys]
    value = container
    for key in keys:
        value = environment.getitem(value, key)
    return value


# --- lists -----------------------------------------------------------------------------------


def flatten(mylist: Any, levels: Any = None, skip_nulls: bool = True) -> list[Any]:
    """Nested lists made flat (``levels`` deep at most); ``None``/``'None'``/``'null'`` dropped unless told."""
    flat: list[Any] = []
    for element in mylist:
        if skip_nulls and element in (None, "None", "null"):
            continue
        if _is_sequence(element) and (levels is None or levels >= 1):
            deeper = None if levels is None else int(levels) - 1
            flat.extend(flatten(element, levels=deeper, skip_nulls=skip_nulls))
        else:
            flat.append(element)
    return flat


def subelements(obj: Any, subelements: Any, skip_missing: bool = False) -> list[tuple[Any, Any]]:
    """``(item, sub)`` pairs: each item with each element of its list at the dotted path ``subelements``."""
    if isinstance(obj, dict):
        elements = list(obj.values())
    elif isinstance(obj, list):
        elements = obj[:]
    else:
        raise PluginError("obj must be a list of dicts or a nested dict")
    if isinstance(subelements, list):
        path = subelements[:]
    elif isinstance(subelements, str):
        path = subelements.split(".")
    else:
        raise PluginError("subelements must be a list or a string")
    pairs: list[tuple[Any, Any]] = []
    for element in elements:
        values = element
        for name in path:
            try:
                values = values[name]
            except KeyError:
                if not skip_missing:
                    raise PluginError(f"could not find {name!r} key in iterated item {values!r}") from None
                values = []
                break
            except TypeError as exc:
                raise PluginError(f"the key {name} should point to a dictionary, got '{values}'") from exc
        if not isinstance(values, list):
            raise PluginError(f"the key {name!r} should point to a list, got {values!r}")
        pairs.extend((element, value) for value in values)
    return pairs


# --- values ----------------------------------------------------------------------------------


@accepts_undefined
def ternary(value: Any, true_val: Any, false_val: Any, none_val: Any = None) -> Any:
    if value is None and none_val is not None:
        return none_val
    return true_val if bool(value) else false_val


@accepts_undefined
def mandatory(a: Any, msg: str | None = None) -> Any:
    """The value, or the error ``Mandatory variable 'x' not defined.`` (or ``msg``) when it is undefined."""
    if _undefined(a):
        if msg is not None:
            raise PluginError(str(msg))
        name = getattr(a, "_undefined_name", None)
        shown = f"{name!r} " if name is not None else ""
        raise PluginError(f"Mandatory variable {shown}not defined.")
    return a


@accepts_undefined
def default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    """``default_value`` where the value is undefined (or false, with ``boolean=true``)."""
    if not isinstance(boolean, bool):
        raise PluginError(f"The 'boolean' argument must be of type 'bool', not {type(boolean).__name__!r}.")
    if _undefined(value):
        return default_value
    if boolean and not value:
        return default_value
    return value


@accepts_undefined
def type_debug(obj: Any) -> str:
    """The name of the value's type, as ansible-core names it."""
    if _undefined(obj):
        return "UndefinedMarker"
    return type(obj).__name__


_TRUE = frozenset(("yes", "on", "true", "1"))
_FALSE = frozenset(("no", "off", "false", "0"))


def to_bool(value: Any) -> bool:
    """``yes``/``on``/``true``/``1`` (any case) are true, their opposites false; anything else is ``== 1``."""
    if isinstance(value, str):
        checked: Any = value.lower()
    elif isinstance(value, int):
        checked = str(value).lower()
    else:
        checked = value
    try:
        if checked in _TRUE:
            return True
        if checked in _FALSE:
            return False
        return bool(checked == 1)
    except TypeError:
        return False


FILTERS: dict[str, Callable[..., Any]] = {
    "to_json": to_json,
    "to_nice_json": to_nice_json,
    "from_json": from_json,
    "to_yaml": to_yaml,
    "to_nice_yaml": to_nice_yaml,
    "from_yaml": from_yaml,
    "from_yaml_all": from_yaml_all,
    "combine": combine,
    "dict2items": dict2items,
    "items2dict": items2dict,
    "rekey_on_member": rekey_on_member,
    "extract": extract,
    "flatten": flatten,
    "subelements": subelements,
    "ternary": ternary,
    "mandatory": mandatory,
    "default": default,
    "d": default,
    "type_debug": type_debug,
    "bool": to_bool,
}
