"""Ansible's filters for text: regular expressions, encodings and digests, quoting, URLs, dates.

Behaviour, arguments and messages follow ansible-core 2.21's documentation of each filter (and its
observed answers, ``tests/data/templating_reference.json``); the code is ftl2-runner's own.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
import shlex
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from .plugin_support import PluginError

# The namespace ansible-core's to_uuid uses when none is given (its documentation names it).
ANSIBLE_UUID_NAMESPACE = uuid.UUID("361E6D51-FAEC-444A-9079-341386DA8E2E")


def as_text(value: Any) -> str:
    """A value as text, as ansible-core's ``to_text`` makes it: bytes decoded (undecodable bytes kept
    as surrogates), anything else ``str()``."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return value if isinstance(value, str) else str(value)


def as_bytes(value: Any, encoding: str = "utf-8") -> bytes:
    """A value as bytes, as ansible-core's ``to_bytes`` makes it (surrogates back to their bytes)."""
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else str(value)).encode(encoding, "surrogateescape")


# --- regular expressions -----------------------------------------------------------------------


def _flags(ignorecase: Any, multiline: Any) -> int:
    return (re.I if ignorecase else 0) | (re.M if multiline else 0)


def regex_replace(
    value: Any = "",
    pattern: str = "",
    replacement: str = "",
    ignorecase: bool = False,
    multiline: bool = False,
    count: int = 0,
    mandatory_count: int = 0,
) -> str:
    text = as_text(value)
    output, made = re.compile(pattern, flags=_flags(ignorecase, multiline)).subn(replacement, text, count=count)
    if mandatory_count and mandatory_count != made:
        # ansible-core's message reports the `count` argument where the number of matches is meant.
        raise PluginError(f"'{pattern}' should match {mandatory_count} times, but matches {count} times in '{text}'")
    return output


def regex_findall(value: Any, regex: str, multiline: bool = False, ignorecase: bool = False) -> list[Any]:
    return re.findall(regex, as_text(value), _flags(ignorecase, multiline))


def regex_search(value: Any, regex: str, *args: Any, **kwargs: Any) -> Any:
    """The first match's text, or the listed groups (``'\\\\1'``, ``'\\\\g<name>'``) of it; ``None`` without one."""
    text = as_text(value)
    groups: list[int | str] = []
    for arg in args:
        if arg.startswith("\\g"):
            named = re.match(r"\\g<(\S+)>", arg)
            groups.append(named.group(1))  # type: ignore[union-attr]  # as ansible-core: a bad form fails here
        elif arg.startswith("\\"):
            numbered = re.match(r"\\(\d+)", arg)
            groups.append(int(numbered.group(1)))  # type: ignore[union-attr]
        else:
            raise PluginError("Unknown argument")
    match = re.search(regex, text, _flags(kwargs.get("ignorecase"), kwargs.get("multiline")))
    if not match:
        return None
    return [match.group(g) for g in groups] if groups else match.group()


def regex_escape(string: Any, re_type: str = "python") -> str:
    text = as_text(string)
    if re_type == "python":
        return re.escape(text)
    if re_type == "posix_basic":
        return regex_replace(text, r"([].[^$*\\])", r"\\\1")
    if re_type == "posix_extended":
        raise PluginError(f"Regex type ({re_type}) not yet implemented")
    raise PluginError(f"Invalid regex type ({re_type})")


# --- encodings and digests ---------------------------------------------------------------------


def b64encode(string: Any, encoding: str = "utf-8", urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return as_text(encode(as_bytes(string, encoding)))


def b64decode(string: Any, encoding: str = "utf-8", urlsafe: bool = False) -> str:
    decode = base64.urlsafe_b64decode if urlsafe else base64.b64decode
    return decode(as_bytes(string)).decode(encoding, "surrogateescape")


def get_hash(data: Any, hashtype: str = "sha1") -> str:
    try:
        digest = hashlib.new(hashtype)
    except Exception as exc:
        raise PluginError(str(exc)) from None
    digest.update(as_bytes(data))
    return digest.hexdigest()


def sha1(data: Any) -> str:
    return hashlib.sha1(as_bytes(data)).hexdigest()


def md5(data: Any) -> str:
    return hashlib.md5(as_bytes(data)).hexdigest()


def to_uuid(string: Any, namespace: Any = ANSIBLE_UUID_NAMESPACE) -> str:
    """A version 5 UUID of the text, in Ansible's namespace unless another is given."""
    if not isinstance(namespace, uuid.UUID):
        try:
            namespace = uuid.UUID(namespace)
        except (AttributeError, ValueError) as exc:
            raise PluginError(f"Invalid value '{namespace}' for 'namespace': {exc}") from None
    return str(uuid.uuid5(namespace, str(string)))


# --- strings -----------------------------------------------------------------------------------


def quote(a: Any) -> str:
    """The value quoted for a POSIX shell (``None`` is the empty string)."""
    return shlex.quote(as_text("" if a is None else a))


_COMMENT_STYLES: dict[str, dict[str, str]] = {
    "plain": {"decoration": "# "},
    "erlang": {"decoration": "% "},
    "c": {"decoration": "// "},
    "cblock": {"beginning": "/*", "decoration": " * ", "end": " */"},
    "xml": {"beginning": "<!--", "decoration": " - ", "end": "-->"},
}


def comment(text: str, style: str = "plain", **kw: Any) -> str:
    """The text as a comment block of a language (``style``), each part overridable by keyword."""
    if style not in _COMMENT_STYLES:
        raise PluginError(f"Invalid style {style!r}.")
    style_parts = _COMMENT_STYLES[style]
    edge = str(kw.get("decoration", style_parts["decoration"])).rstrip()
    parts: dict[str, Any] = {
        "newline": "\n",
        "beginning": "",
        "prefix": edge,
        "prefix_count": 1,
        "decoration": "",
        "postfix": edge,
        "postfix_count": 1,
        "end": "",
        **style_parts,
        **kw,
    }
    newline, decoration = parts["newline"], parts["decoration"]
    head = f"{parts['beginning']}{newline}" if parts["beginning"] else ""
    if not parts["prefix"]:
        prefix = ""
    elif parts["prefix"] != newline:
        prefix = f"{parts['prefix']}{newline}" * int(parts["prefix_count"])
    else:
        prefix = newline * int(parts["prefix_count"])
    body = decoration + text.replace(newline, newline + decoration)
    body = body.replace(decoration + newline, decoration.rstrip() + newline)  # no trailing blanks on a bare line
    postfix = newline.join([""] + [parts["postfix"]] * int(parts["postfix_count"]))
    tail = f"{newline}{parts['end']}" if parts["end"] else ""
    return f"{head}{prefix}{body}{postfix}{tail}"


def split(value: str, *args: Any) -> list[str]:
    return str.split(value, *args)


# --- URLs --------------------------------------------------------------------------------------

_URL_PARTS = ("fragment", "hostname", "netloc", "password", "path", "port", "query", "scheme", "username")


def split_url(value: str, query: str = "", alias: str = "urlsplit") -> Any:
    """A URL's parts as a dict (or the one named by ``query``)."""
    parsed = urlsplit(value)
    parts = {name: getattr(parsed, name) for name in _URL_PARTS}
    if not query:
        return parts
    if query not in parts:
        raise ValueError(f"{alias}: unknown URL component: {query}")
    return parts[query]


# --- dates -------------------------------------------------------------------------------------


def strftime(string_format: str, second: Any = None, utc: bool = False) -> str:
    """The date of an epoch time (now by default) in a ``strftime`` format, local time unless ``utc``."""
    if second is None:
        seconds = time.time()
    else:
        try:
            seconds = float(second)
        except Exception:
            raise PluginError(f"Invalid value for epoch value ({second})") from None
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC) if utc else datetime.datetime.fromtimestamp(seconds)
    return moment.strftime(string_format)


def to_datetime(string: str, format: str = "%Y-%m-%d %H:%M:%S") -> datetime.datetime:
    return datetime.datetime.strptime(string, format)


FILTERS: dict[str, Callable[..., Any]] = {
    "regex_replace": regex_replace,
    "regex_findall": regex_findall,
    "regex_search": regex_search,
    "regex_escape": regex_escape,
    "b64encode": b64encode,
    "b64decode": b64decode,
    "hash": get_hash,
    "checksum": sha1,
    "sha1": sha1,
    "md5": md5,
    "to_uuid": to_uuid,
    "quote": quote,
    "comment": comment,
    "split": split,
    "urldecode": unquote_plus,
    "urlsplit": split_url,
    "strftime": strftime,
    "to_datetime": to_datetime,
}
