"""Ansible Vault values (``!vault`` in YAML): format 1.1 and 1.2, decrypted with the job's vault passwords.

AWX never writes vault data itself: a project brings it (a launcher's vars, an inventory's
``group_vars``, a hand-made extra vars file), and the *password* arrives only as the answer
to ansible-playbook's prompt — ``--ask-vault-pass`` / ``--vault-id <id>@prompt`` in
``env/cmdline`` and ``Vault password:`` / ``Vault password (<id>):`` patterns in the
``passwords`` kwarg, which ansible-runner answers on the pty. The executor prompts the same
way (:func:`prompt_secrets`), so the same answers reach it.

The format, as Ansible's documentation describes it ("Vault payload format 1.1 - 1.2"):
a header line ``$ANSIBLE_VAULT;1.1;AES256`` (1.2 adds ``;<vault id>``), then the
hex encoding, in lines, of three hex lines: a 32-byte salt, an HMAC-SHA256 of the
ciphertext, and the ciphertext. PBKDF2-HMAC-SHA256 (10000 rounds) of the password and the
salt gives 80 bytes: the AES-256 key, the HMAC key and the 16-byte initial counter of
AES-CTR; the plaintext is PKCS#7-padded to the AES block.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .unsafe import UnsafeText

HEADER = "$ANSIBLE_VAULT"
_ROUNDS = 10000
_KEY_LENGTH = 32
_IV_LENGTH = 16
DEFAULT_ID = "default"


class VaultError(ValueError):
    """A vault value cannot be read or decrypted; the message says which and why."""


@dataclass(frozen=True)
class EncryptedValue:
    """A ``!vault`` value as loaded, before the job's vault passwords are known."""

    ciphertext: str

    @property
    def vault_id(self) -> str | None:
        header = self.ciphertext.lstrip().split("\n", 1)[0].strip().split(";")
        return header[3] if len(header) > 3 and header[3] else None


@dataclass(frozen=True)
class VaultSecret:
    vault_id: str
    password: bytes


def _derive(password: bytes, salt: bytes) -> tuple[bytes, bytes, bytes]:
    derived = hashlib.pbkdf2_hmac("sha256", password, salt, _ROUNDS, 2 * _KEY_LENGTH + _IV_LENGTH)
    return derived[:_KEY_LENGTH], derived[_KEY_LENGTH : 2 * _KEY_LENGTH], derived[2 * _KEY_LENGTH :]


def _aes_ctr(key: bytes, counter: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    operation = Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor()  # CTR: the same both ways
    return operation.update(data) + operation.finalize()


def _parse(text: str) -> tuple[str, str | None, bytes, bytes, bytes]:
    lines = [line.strip() for line in text.strip().splitlines()]
    if not lines or not lines[0].startswith(HEADER + ";"):
        raise VaultError("not vault data: the first line must start with $ANSIBLE_VAULT;")
    header = lines[0].split(";")
    if len(header) < 3 or header[1] not in ("1.1", "1.2") or header[2] != "AES256":
        raise VaultError(f"unsupported vault format {lines[0]!r} (1.1 and 1.2 with AES256 are)")
    vault_id = header[3] if len(header) > 3 and header[3] else None
    try:
        envelope = binascii.unhexlify("".join(lines[1:])).decode("ascii").split("\n")
        salt, mac, ciphertext = (binascii.unhexlify(part) for part in envelope[:3])
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise VaultError(f"malformed vault data: {exc}") from None
    return header[1], vault_id, salt, mac, ciphertext


def _decrypt_with(password: bytes, salt: bytes, mac: bytes, ciphertext: bytes) -> bytes | None:
    key, mac_key, counter = _derive(password, salt)
    if not hmac.compare_digest(hmac.new(mac_key, ciphertext, hashlib.sha256).digest(), mac):
        return None
    padded = _aes_ctr(key, counter, ciphertext)
    pad = padded[-1] if padded else 0
    if not 1 <= pad <= 16 or padded[-pad:] != bytes([pad]) * pad:
        return None
    return padded[:-pad]


def decrypt(text: str, secrets: list[VaultSecret]) -> str:
    """The plaintext of vault data ``text``; the secrets whose id matches its 1.2 label are tried first."""
    _version, vault_id, salt, mac, ciphertext = _parse(text)
    if not secrets:
        raise VaultError("no vault password was given (ansible-playbook: Attempting to decrypt but no vault secrets found)")
    ordered = sorted(secrets, key=lambda s: s.vault_id != vault_id) if vault_id else secrets
    for secret in ordered:
        plaintext = _decrypt_with(secret.password, salt, mac, ciphertext)
        if plaintext is not None:
            return plaintext.decode("utf-8", "surrogateescape")
    raise VaultError("Decryption failed (no vault secrets were found that could decrypt)")


def encrypt(plaintext: str, password: str, vault_id: str | None = None, salt: bytes | None = None) -> str:
    """Vault data for ``plaintext`` (1.2 when a ``vault_id`` is given, else 1.1): for tests and tools."""
    salt = os.urandom(32) if salt is None else salt
    key, mac_key, counter = _derive(password.encode(), salt)
    data = plaintext.encode("utf-8")
    pad = 16 - len(data) % 16
    ciphertext = _aes_ctr(key, counter, data + bytes([pad]) * pad)
    mac = hmac.new(mac_key, ciphertext, hashlib.sha256).digest()
    envelope = b"\n".join(binascii.hexlify(part) for part in (salt, mac, ciphertext))
    body = binascii.hexlify(envelope).decode("ascii")
    header = f"{HEADER};1.2;AES256;{vault_id}" if vault_id else f"{HEADER};1.1;AES256"
    return header + "\n" + "\n".join(body[i : i + 80] for i in range(0, len(body), 80)) + "\n"


def decrypt_tree(value: Any, secrets: list[VaultSecret], where: str, _done: dict[int, Any] | None = None) -> Any:
    """``value`` with every :class:`EncryptedValue` in it replaced by its plaintext.

    ``where`` names the variable for the error: ``could not decrypt the !vault value of
    <where>.key[0]: <reason>``. A container YAML reached through several aliases is one object:
    it is walked once (a file of nested aliases, ``b: [*a, *a, ...]``, is a tree of billions of
    paths but a few objects; walking every path hung the job at its start), and a container
    holding nothing encrypted is kept as it is.
    """
    if isinstance(value, EncryptedValue):
        try:
            # The plaintext is data, as ansible-core 2.21 reads a `!vault` value: never templated (a
            # password with `{#` or `{{` in it is that password, not a template that fails or renders).
            return UnsafeText(decrypt(value.ciphertext, secrets))
        except VaultError as exc:
            raise VaultError(f"could not decrypt the !vault value of {where}: {exc}") from None
    if not isinstance(value, (dict, list)):
        return value
    done = {} if _done is None else _done
    if id(value) in done:
        return done[id(value)]
    done[id(value)] = value  # a container that holds itself (not from YAML) is left as it is
    changed: Any
    if isinstance(value, dict):
        changed = {key: decrypt_tree(item, secrets, f"{where}.{key}" if where else str(key), done) for key, item in value.items()}
        same = all(changed[key] is item for key, item in value.items())
    else:
        changed = [decrypt_tree(item, secrets, f"{where}[{index}]", done) for index, item in enumerate(value)]
        same = all(new is old for new, old in zip(changed, value, strict=True))
    done[id(value)] = result = value if same else changed
    return result


def prompts_for(vault_ids: list[str], ask_vault_pass: bool) -> list[tuple[str, str]]:
    """(vault id, prompt) in the order ansible-playbook asks: each ``--vault-id X@prompt``, then ``--ask-vault-pass``."""
    prompts: list[tuple[str, str]] = []
    for identity in vault_ids:
        label, _, source = identity.rpartition("@") if "@" in identity else ("", "", identity)
        if source == "prompt":
            label = label or DEFAULT_ID
            prompts.append((label, "Vault password: " if label == DEFAULT_ID else f"Vault password ({label}): "))
    if ask_vault_pass and not any(label == DEFAULT_ID for label, _ in prompts):
        prompts.append((DEFAULT_ID, "Vault password: "))
    return prompts


def job_secrets(ask_vault_pass: bool, vault_ids: list[str], password_files: list[str]) -> list[VaultSecret]:
    """The job's vault secrets from ansible-playbook's vault flags: prompts answered on the pty, or files."""
    secrets = prompt_secrets(prompts_for(vault_ids, ask_vault_pass))
    sources = [(DEFAULT_ID, path) for path in password_files]
    for identity in vault_ids:
        label, _, source = identity.rpartition("@") if "@" in identity else (DEFAULT_ID, "", identity)
        if source != "prompt":
            sources.append((label or DEFAULT_ID, source))
    for label, path in sources:
        try:
            with open(path, "rb") as handle:
                password = handle.read().strip()
        except OSError as exc:
            raise VaultError(f"could not read the vault password file {path}: {exc.strerror}") from None
        secrets.append(VaultSecret(label, password))
    return secrets


def prompt_secrets(prompts: list[tuple[str, str]], ask: Callable[[str], str] | None = None) -> list[VaultSecret]:
    """Ask each prompt as ansible-playbook does (no echo) and keep the answers as secrets."""
    ask = ask or _ask_without_echo
    secrets = []
    for label, prompt in prompts:
        answer = ask(prompt)
        if answer:
            secrets.append(VaultSecret(label, answer.encode("utf-8")))
    return secrets


def _ask_without_echo(prompt: str) -> str:
    """The prompt on stdout, the answer from stdin: where ansible-runner's pexpect answers it.

    Under ansible-runner stdin is the executor's own terminal, already without echo
    (``tty_relay``), so the typed answer never reaches the output.
    """
    import termios

    sys.stdout.write(prompt)
    sys.stdout.flush()
    fd = sys.stdin.fileno()
    saved = None
    try:
        if os.isatty(fd):
            saved = termios.tcgetattr(fd)
            quiet = list(saved)
            quiet[3] &= ~termios.ECHO
            termios.tcsetattr(fd, termios.TCSANOW, quiet)
        line = sys.stdin.readline()
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return line.rstrip("\r\n")
