"""ansible-core's ``password`` lookup: a random password, kept in a file of the controller for the next run.

``lookup('password', 'credentials/db length=15 chars=ascii_letters,digits')`` reads the password
from ``credentials/db`` (beside the playbook) when the file exists, else makes one and writes it
there (mode 0600, its directory 0700), as ansible-core does; ``/dev/null`` makes a new one every
time and writes nothing. With ``seed=`` the password is the one ansible-core makes from that seed
(Python's ``random.Random(seed)``, one ``choice`` per character), so a playbook gets the same value
on either runner.

The difference: the file must be inside the job's private data dir (the project is in it), since
ftl2-runner writes nothing outside it; a path elsewhere fails the lookup and says so.
``encrypt=`` (a hash of the password instead of the password) is refused with a clear error.
"""

from __future__ import annotations

import os
import random
import secrets
import shlex
import string
from typing import TYPE_CHECKING, Any

from .lookups import LookupError_

if TYPE_CHECKING:
    from .lookup_support import LookupCall

_PARAMS = ("length", "encrypt", "chars", "ident", "seed")
_DEFAULT_CHARS = ["ascii_letters", "digits", ".,:-_"]
_NULL = "/dev/null"


def _parse(term: str) -> tuple[str, dict[str, str]]:
    path, _, rest = term.partition(" ")
    params: dict[str, str] = {}
    raw: list[str] = []
    for word in shlex.split(rest):
        if "=" in word:
            key, _, value = word.partition("=")
            params[key.strip()] = value.strip()
        else:
            raw.append(word)
    if raw:
        path = " ".join((path, *raw))
        if not term.startswith(path):
            raise LookupError_("Unrecognized value after key=value parameters given to password lookup")
    invalid = set(params) - set(_PARAMS)
    if invalid:
        raise LookupError_(f"Unrecognized parameter(s) given to password lookup: {', '.join(invalid)}")
    return path, params


def _chars(spec: Any) -> str:
    if isinstance(spec, str):
        parts = ([","] if ",," in spec else []) + [c for c in spec.replace(",,", ",").split(",") if c]
    else:
        parts = [str(c) for c in spec]
    joined = "".join(str(getattr(string, part, part)) for part in parts)
    return joined.replace('"', "").replace("'", "")


def random_password(length: int, chars: str, seed: Any = None) -> str:
    """ansible-core's ``random_password``: ``length`` choices from ``chars`` (seeded: reproducible)."""
    generator: random.Random = secrets.SystemRandom() if seed is None else random.Random(seed)
    return "".join(generator.choice(chars) for _ in range(length))


def _content(text: str) -> tuple[str, str | None]:
    """The stored password and its salt (``PASSWORD salt=SALT``, as ansible-core writes it with ``encrypt``)."""
    head, sep, salt = text.rpartition(" salt=")
    return (head, salt.split(" ident=")[0]) if sep else (text, None)


def _inside(path: str, root: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def password(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    """``password``: each term's file's password, made and written when the file does not exist."""
    out: list[Any] = []
    for term in terms:
        relpath, params = _parse(str(term))
        settings: dict[str, Any] = {"length": 20, "chars": _DEFAULT_CHARS, "encrypt": None, "ident": None, "seed": None}
        unknown = set(options) - set(_PARAMS)
        if unknown:
            raise LookupError_(f"Unrecognized parameter(s) given to password lookup: {', '.join(sorted(unknown))}")
        settings.update(options)
        settings.update(params)
        if settings["encrypt"]:
            raise LookupError_(
                "ftl2-runner does not support encrypt= in the password lookup (docs/compat.md); hash it with the password_hash filter"
            )
        path = os.path.expanduser(relpath)
        if not os.path.isabs(path):
            path = os.path.join(call.playbook_dir, path)
        path = os.path.normpath(path)
        if path != _NULL:
            root = call.job.data_dir or call.playbook_dir
            if not _inside(path, root):
                raise LookupError_(f"ftl2-runner writes password files only inside the job's private data dir ({root}), not {path}")
        chars = _chars(settings["chars"])
        content = None
        if path != _NULL and os.path.exists(path):
            with open(path, "rb") as handle:
                content = handle.read().rstrip().decode("utf-8", "surrogateescape")
        if content is None:
            secret = random_password(int(settings["length"]), chars, settings["seed"])
            if path != _NULL:
                os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "wb") as handle:
                    os.chmod(path, 0o600)
                    handle.write(secret.encode("utf-8", "surrogateescape") + b"\n")
        else:
            secret, _salt = _content(content)
        out.append(secret)
    return out
