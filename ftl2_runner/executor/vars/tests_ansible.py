"""Ansible's own Jinja tests (``x is failed``, ``x is version('2.0', '>=')``, ``path is file``...).

Jinja's tests (``defined``, ``string``, ``even``...) come with Jinja; these are the ones ansible-core
adds. Path tests, like ansible-core's, look at the machine that renders the template (here, the one
the job runs on), not at the managed host. Behaviour and messages follow ansible-core 2.21's
documentation of each test; the code is ftl2-runner's own.
"""

from __future__ import annotations

import math
import operator
import os.path
import re
from collections.abc import Callable, Hashable, MutableMapping, MutableSequence
from typing import Any
from urllib.parse import urlparse

import jinja2

from .plugin_support import PluginError, accepts_undefined
from .versions import LooseVersion, SemanticVersion, StrictVersion

# --- task results ------------------------------------------------------------------------------


def _result(result: Any, test: str) -> MutableMapping[Any, Any]:
    if not isinstance(result, MutableMapping):
        raise PluginError(f"The '{test}' test expects a dictionary")
    return result


def failed(result: Any) -> bool:
    return bool(_result(result, "failed").get("failed"))


def success(result: Any) -> bool:
    return not failed(result)


def unreachable(result: Any) -> bool:
    return bool(_result(result, "unreachable").get("unreachable"))


def reachable(result: Any) -> bool:
    return not unreachable(result)


def timedout(result: Any) -> bool:
    timed = _result(result, "timedout").get("timedout")
    return bool(timed and bool(timed.get("period")))


def changed(result: Any) -> bool:
    """``changed`` of the result, or (without one) whether any of its loop ``results`` changed."""
    result = _result(result, "changed")
    if "changed" in result:
        return bool(result.get("changed"))
    items = result.get("results")
    if isinstance(items, MutableSequence) and isinstance(items[0], MutableMapping):
        return any(item.get("changed") for item in items)
    return False


def skipped(result: Any) -> bool:
    return bool(_result(result, "skipped").get("skipped"))


def started(result: Any) -> bool:
    """An async task's ``started`` (a task that was not async counts as started)."""
    result = _result(result, "started")
    return bool(result.get("started")) if "started" in result else True


def finished(result: Any) -> bool:
    """An async task's ``finished`` (a task that was not async counts as finished)."""
    result = _result(result, "finished")
    return bool(result.get("finished")) if "finished" in result else True


# --- regular expressions -----------------------------------------------------------------------

_MATCH_TYPES = ("search", "match", "fullmatch")


def regex(value: Any = "", pattern: str = "", ignorecase: bool = False, multiline: bool = False, match_type: str = "search") -> bool:
    if match_type not in _MATCH_TYPES:
        raise PluginError(f"Invalid match_type specified. Expected one of: {', '.join(_MATCH_TYPES)}.")
    text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value if isinstance(value, str) else str(value)
    compiled = re.compile(pattern, flags=(re.I if ignorecase else 0) | (re.M if multiline else 0))
    return bool(getattr(compiled, match_type)(text))


def match(value: Any, pattern: str = "", ignorecase: bool = False, multiline: bool = False) -> bool:
    return regex(value, pattern, ignorecase, multiline, "match")


def search(value: Any, pattern: str = "", ignorecase: bool = False, multiline: bool = False) -> bool:
    return regex(value, pattern, ignorecase, multiline, "search")


# --- versions ----------------------------------------------------------------------------------

_OPERATORS = {
    "==": "eq",
    "=": "eq",
    "eq": "eq",
    "<": "lt",
    "lt": "lt",
    "<=": "le",
    "le": "le",
    ">": "gt",
    "gt": "gt",
    ">=": "ge",
    "ge": "ge",
    "!=": "ne",
    "<>": "ne",
    "ne": "ne",
}
_VERSION_TYPES = ("loose", "strict", "semver", "semantic", "pep440")


def _version_class(strict: Any, version_type: Any) -> Callable[[str], Any]:
    if strict:
        return StrictVersion
    if not version_type:
        return LooseVersion
    if version_type == "pep440":
        from packaging.version import Version

        return Version
    classes: dict[str, Callable[[str], Any]] = {
        "loose": LooseVersion,
        "strict": StrictVersion,
        "semver": SemanticVersion,
        "semantic": SemanticVersion,
    }
    if version_type not in classes:
        raise PluginError(f"Invalid version type ({version_type}). Must be one of {', '.join(map(repr, _VERSION_TYPES))}")
    return classes[version_type]


def version_compare(value: Any, version: Any, operator_name: str = "eq", strict: Any = None, version_type: Any = None) -> bool:
    """``value <op> version`` as versions (loose by default; strict, semantic or PEP 440 on request)."""
    if strict is not None and version_type is not None:
        raise PluginError("Cannot specify both 'strict' and 'version_type'")
    if not value:
        raise PluginError("Input version value cannot be empty")
    if not version:
        raise PluginError("Version parameter to compare against cannot be empty")
    kind = _version_class(strict, version_type)
    if operator_name not in _OPERATORS:
        raise PluginError(f"Invalid operator type ({operator_name}). Must be one of {', '.join(map(repr, _OPERATORS))}")
    try:
        compare = getattr(operator, _OPERATORS[operator_name])
        return bool(compare(kind(str(value)), kind(str(version))))
    except Exception as exc:
        raise PluginError(f"Version comparison failed: {exc}") from None


def _version_test(value: Any, version: Any, operator: str = "eq", strict: Any = None, version_type: Any = None) -> bool:
    # The keyword is `operator` in playbooks (`is version('2', operator='ge')`).
    return version_compare(value, version, operator, strict, version_type)


# --- truth, sets, numbers ----------------------------------------------------------------------

_BOOLEANS_TRUE = frozenset(("y", "yes", "on", "1", "true", "t", 1, 1.0, True))
_BOOLEANS_FALSE = frozenset(("n", "no", "off", "0", "false", "f", 0, 0.0, False))


def _boolean_or_same(value: Any) -> Any:
    """ansible-core's ``boolean()`` of the value, or the value itself when it names no boolean."""
    if isinstance(value, bool):
        return value
    normal = value
    if isinstance(value, (str, bytes)):
        normal = (value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value).lower().strip()
    if not isinstance(value, Hashable):
        normal = None
    if normal in _BOOLEANS_TRUE:
        return True
    if normal in _BOOLEANS_FALSE:
        return False
    return value


def truthy(value: Any, convert_bool: bool = False) -> bool:
    return bool(_boolean_or_same(value) if convert_bool else value)


def falsy(value: Any, convert_bool: bool = False) -> bool:
    return not truthy(value, convert_bool=convert_bool)


def issubset(a: Any, b: Any) -> bool:
    return set(a) <= set(b)


def issuperset(a: Any, b: Any) -> bool:
    return set(a) >= set(b)


def contains(seq: Any, value: Any) -> bool:
    return value in seq


def isnotanumber(x: Any) -> bool:
    try:
        return math.isnan(x)
    except TypeError:
        return False


# --- URIs --------------------------------------------------------------------------------------


def is_uri(value: Any, schemes: Any = None) -> bool:
    try:
        parsed = urlparse(value)
        return all([parsed.scheme is not None, parsed.path is not None, not schemes or parsed.scheme in schemes])
    except Exception:
        return False


def is_url(value: Any, schemes: Any = None) -> bool:
    if not is_uri(value, schemes):
        return False
    parsed = urlparse(value)
    return bool(parsed.netloc or parsed.scheme == "file")


def is_urn(value: Any) -> bool:
    return is_uri(value, ["urn"])


# --- definedness ------------------------------------------------------------------------------


@accepts_undefined
def defined(value: Any) -> bool:
    return not isinstance(value, jinja2.Undefined)


@accepts_undefined
def undefined(value: Any) -> bool:
    return isinstance(value, jinja2.Undefined)


# --- vault -------------------------------------------------------------------------------------

VAULT_HEADER = b"$ANSIBLE_VAULT"


def vault_encrypted(value: Any) -> bool:
    """Whether the value is a vaulted variable (``!vault`` in YAML): never for a plain string, as in ansible-core 2.19+."""
    return False


def vaulted_file(value: Any) -> bool:
    """Whether the file (on the controller) starts with the vault header."""
    try:
        with open(os.fsencode(value), "rb") as handle:
            head = handle.read(len(VAULT_HEADER))
    except OSError as exc:
        raise PluginError(f"Cannot test if the file {value!r} is a vault.") from exc
    return head.startswith(VAULT_HEADER)


TESTS: dict[str, Callable[..., Any]] = {
    "defined": defined,
    "undefined": undefined,
    "failed": failed,
    "failure": failed,
    "succeeded": success,
    "success": success,
    "successful": success,
    "reachable": reachable,
    "unreachable": unreachable,
    "timedout": timedout,
    "changed": changed,
    "change": changed,
    "skipped": skipped,
    "skip": skipped,
    "finished": finished,
    "started": started,
    "match": match,
    "search": search,
    "regex": regex,
    "version_compare": _version_test,
    "version": _version_test,
    "any": any,
    "all": all,
    "truthy": truthy,
    "falsy": falsy,
    "vault_encrypted": vault_encrypted,
    "vaulted_file": vaulted_file,
    "subset": issubset,
    "issubset": issubset,
    "superset": issuperset,
    "issuperset": issuperset,
    "contains": contains,
    "nan": isnotanumber,
    "isnan": isnotanumber,
    "uri": is_uri,
    "url": is_url,
    "urn": is_urn,
    "directory": os.path.isdir,
    "is_dir": os.path.isdir,
    "file": os.path.isfile,
    "is_file": os.path.isfile,
    "link": os.path.islink,
    "is_link": os.path.islink,
    "exists": os.path.exists,
    "link_exists": os.path.lexists,
    "abs": os.path.isabs,
    "is_abs": os.path.isabs,
    "same_file": os.path.samefile,
    "is_same_file": os.path.samefile,
    "mount": os.path.ismount,
    "is_mount": os.path.ismount,
}
