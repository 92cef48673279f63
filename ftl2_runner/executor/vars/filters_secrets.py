"""Ansible's filters for secrets: ``password_hash`` (the system's crypt) and ``vault``/``unvault``.

``password_hash`` hashes with the system's libxcrypt, as ansible-core 2.21 does when it finds it (its
first choice, passlib only after): the salt given is the *random bytes* libxcrypt's
``crypt_gensalt`` encodes, so the hash is the same text ansible-core prints for the same salt.
``vault`` writes Ansible Vault's documented AES256 format (PBKDF2-SHA256 keys, AES-CTR, an HMAC
over the ciphertext, hex twice, 80-column lines) with ``cryptography``, FTL2's own dependency.
Messages are ansible-core's; the code is ftl2-runner's own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hmac
import os
import secrets
import string
from binascii import hexlify, unhexlify
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .plugin_support import PluginError

# --- password_hash -----------------------------------------------------------------------------

_PASSLIB_NAMES = {"md5": "md5_crypt", "blowfish": "bcrypt", "sha256": "sha256_crypt", "sha512": "sha512_crypt"}
_SALT_CHARS = frozenset(string.ascii_letters + string.digits + "./")


@dataclass(frozen=True)
class _Scheme:
    ident: str
    salt_size: int
    default_rounds: int | None = None
    salt_exact: bool = False


# The schemes, their salt sizes and default rounds as ansible-core 2.21 documents and uses them.
_SCHEMES = {
    "md5_crypt": _Scheme("1", 8),
    "bcrypt": _Scheme("2b", 22, 12, salt_exact=True),
    "sha256_crypt": _Scheme("5", 16, 535000),
    "sha512_crypt": _Scheme("6", 16, 656000),
    "yescrypt": _Scheme("y", 16, 5, salt_exact=True),
}


@lru_cache(maxsize=1)
def _libcrypt() -> Any:
    found = ctypes.util.find_library("crypt")
    if not found:
        raise PluginError("crypt cannot be used as the 'libxcrypt' library is not installed or is unusable.")
    library = ctypes.CDLL(found, use_errno=True)
    library.crypt_rn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    library.crypt_rn.restype = ctypes.c_char_p
    library.crypt_gensalt_rn.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    library.crypt_gensalt_rn.restype = ctypes.c_char_p
    return library


def _checked_salt_size(scheme: _Scheme, salt_size: Any) -> int:
    if salt_size is not None and not isinstance(salt_size, int):
        raise TypeError("salt_size must be an integer")
    size = salt_size or scheme.salt_size
    if scheme.salt_exact and size != scheme.salt_size:
        raise PluginError(f"invalid salt size supplied ({size}), expected {scheme.salt_size}")
    if not scheme.salt_exact and size > scheme.salt_size:
        raise PluginError(f"invalid salt size supplied ({size}), expected at most {scheme.salt_size}")
    return size


def _salt_bytes(scheme: _Scheme, salt: Any, salt_size: Any) -> bytes:
    size = _checked_salt_size(scheme, salt_size)
    if salt is None:
        return secrets.token_bytes(size)
    text = str(salt)
    if not set(text) <= _SALT_CHARS:
        raise PluginError("invalid characters in salt")
    if scheme.salt_exact and len(text) != scheme.salt_size:
        raise PluginError(f"invalid salt size supplied ({len(text)}), expected {scheme.salt_size}")
    if not scheme.salt_exact and len(text) > scheme.salt_size:
        raise PluginError(f"invalid salt size supplied ({len(text)}), expected at most {scheme.salt_size}")
    return text.encode()


def password_hash(
    password: Any, hashtype: str = "sha512", salt: Any = None, salt_size: Any = None, rounds: Any = None, ident: Any = None
) -> str:
    """A crypt(3) hash of the password (``$6$rounds=656000$...`` for the default sha512)."""
    algorithm = _PASSLIB_NAMES.get(hashtype, hashtype)
    scheme = _SCHEMES.get(algorithm)
    if scheme is None:
        raise PluginError(f"crypt does not support {algorithm!r} algorithm")
    library = _libcrypt()
    rbytes = _salt_bytes(scheme, salt, salt_size)
    prefix = f"${ident or scheme.ident}$".encode()
    setting = ctypes.create_string_buffer(256)
    if library.crypt_gensalt_rn(prefix, rounds or scheme.default_rounds or 0, rbytes, len(rbytes), setting, len(setting)) is None:
        raise PluginError(f"Failed to generate salt for {algorithm!r} algorithm")
    work = ctypes.create_string_buffer(65536)
    hashed = library.crypt_rn(str(password).encode("utf-8", "surrogateescape"), setting.value, work, len(work))
    if hashed is None or hashed.startswith(b"*"):
        raise PluginError(f"crypt does not support {algorithm!r} algorithm")
    return str(hashed.decode("ascii"))


# --- vault -------------------------------------------------------------------------------------

_VAULT_HEADER = "$ANSIBLE_VAULT"
_KEY_LENGTH = 32
_IV_LENGTH = 16
_ITERATIONS = 10000


def _keys(password: bytes, salt: bytes) -> tuple[bytes, bytes, bytes]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    derived = PBKDF2HMAC(algorithm=hashes.SHA256(), length=2 * _KEY_LENGTH + _IV_LENGTH, salt=salt, iterations=_ITERATIONS).derive(password)
    return derived[:_KEY_LENGTH], derived[_KEY_LENGTH : 2 * _KEY_LENGTH], derived[2 * _KEY_LENGTH :]


def _aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    worker = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return worker.update(data) + worker.finalize()


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, "sha256").digest()


def _as_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogateescape")


def vault(data: Any, secret: Any, salt: Any = None, vault_id: str = "filter_default", wrap_object: bool = False) -> str:
    """The text as an Ansible Vault (format 1.2 with the vault id; 1.1 for the id ``default``)."""
    from cryptography.hazmat.primitives import padding

    if not isinstance(secret, (str, bytes)):
        raise TypeError(f"Secret passed is required to be a string, instead we got {type(secret)}.")
    if not isinstance(data, (str, bytes)):
        raise TypeError(f"Can only vault strings, instead we got {type(data)}.")
    b_salt = _as_bytes(salt) if salt else os.urandom(32)
    cipher_key, mac_key, iv = _keys(_as_bytes(secret), b_salt)
    padder = padding.PKCS7(128).padder()
    ciphertext = _aes_ctr(cipher_key, iv, padder.update(_as_bytes(data)) + padder.finalize())
    payload = hexlify(b"\n".join([hexlify(b_salt), hexlify(_mac(mac_key, ciphertext)), hexlify(ciphertext)])).decode()
    header = f"{_VAULT_HEADER};1.2;AES256;{vault_id}" if vault_id and vault_id != "default" else f"{_VAULT_HEADER};1.1;AES256"
    lines = [header] + [payload[i : i + 80] for i in range(0, len(payload), 80)]
    return "\n".join(lines) + "\n"


def _decrypt(text: str, secret: bytes) -> bytes:
    from cryptography.hazmat.primitives import padding

    lines = text.strip().splitlines()
    header = lines[0].strip().split(";")
    if len(header) < 3 or header[2].strip() != "AES256":
        raise PluginError("Decryption failed (no vault secrets were found that could decrypt).")
    salt_hex, mac_hex, cipher_hex = unhexlify("".join(line.strip() for line in lines[1:])).split(b"\n", 2)
    ciphertext = unhexlify(cipher_hex)
    cipher_key, mac_key, iv = _keys(secret, unhexlify(salt_hex))
    if not hmac.compare_digest(_mac(mac_key, ciphertext), unhexlify(mac_hex)):
        raise PluginError("Decryption failed (no vault secrets were found that could decrypt).")
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(_aes_ctr(cipher_key, iv, ciphertext)) + unpadder.finalize()


def unvault(vault: Any, secret: Any, vault_id: str = "filter_default") -> str:
    """The plain text of an Ansible Vault (text that is no vault comes back as it is)."""
    if not isinstance(secret, (str, bytes)):
        raise TypeError(f"Secret passed is required to be as string, instead we got {type(secret)}.")
    if not isinstance(vault, (str, bytes)):
        raise TypeError(f"Vault should be in the form of a string, instead we got {type(vault)}.")
    text = vault.decode("utf-8", "surrogateescape") if isinstance(vault, bytes) else vault
    if not text.startswith(_VAULT_HEADER):
        return text
    try:
        plain = _decrypt(text, _as_bytes(secret))
    except Exception as exc:
        raise PluginError("Unable to decrypt.") from exc
    return plain.decode("utf-8", "surrogateescape")


FILTERS: dict[str, Callable[..., Any]] = {
    "password_hash": password_hash,
    "vault": vault,
    "unvault": unvault,
}
