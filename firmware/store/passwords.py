"""SIP passwords: generated strong by default, checked when a person picks one."""
from __future__ import annotations

import hashlib
import re
import secrets
import string

# No look-alike characters (0/O, 1/l/I): people type these into phone menus.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
GENERATED_LENGTH = 16  # ~91 bits
MIN_LENGTH = 10
KEYABLE_LENGTH = 20

_COMMON = {
    "password", "password1", "passw0rd", "1234567890", "0123456789", "qwertyuiop", "asdfghjkl",
    "letmein123", "administrator", "iloveyou12", "welcome123", "changeme12", "secret1234",
}
# Words that head the passwords scanners try, whatever digits or signs follow (Password123!).
_COMMON_STEMS = {
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "welcome", "letmein", "changeme", "secret", "qwerty",
    "qwertz", "azerty", "admin", "administrator", "iloveyou", "minipbx", "voip", "asterisk", "kamailio",
}
_TRAILING_DIGITS_AND_SIGNS = re.compile(r"[\d\W_]+$")


class WeakPasswordError(ValueError):
    """A password a SIP scanner would guess; the message says which rule it breaks."""


def generate_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(GENERATED_LENGTH))


def generate_keyable_password() -> str:
    """Digits only, for a password spoken by the PBX and keyed into a phone's keypad (keypad
    programming): 20 digits are 66 bits, out of reach of online guessing with the edge's bans.
    Generated, so the 'digits only' rule for passwords people pick does not apply."""
    return "".join(secrets.choice(string.digits) for _ in range(KEYABLE_LENGTH))


def check_password(password: str, number: str) -> None:
    """Raise WeakPasswordError unless the password resists online guessing."""
    accepted = f"use at least {MIN_LENGTH} characters mixing letters and digits, or omit it to generate one"
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"password is too short ({len(password)} characters); {accepted}")
    if password.isdigit():
        raise WeakPasswordError(f"password is digits only; {accepted}")
    if number in password:
        raise WeakPasswordError(f"password contains the extension number {number}; {accepted}")
    stem = _TRAILING_DIGITS_AND_SIGNS.sub("", password.lower())
    if password.lower() in _COMMON or stem in _COMMON_STEMS:
        raise WeakPasswordError(f"password is a common one that SIP scanners try first; {accepted}")
    if len(set(password)) < 4:
        raise WeakPasswordError(f"password repeats fewer than 4 different characters; {accepted}")
    classes = sum(
        any(c in group for c in password)
        for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits, string.punctuation + " ")
    )
    if classes < 2:
        raise WeakPasswordError(f"password uses one kind of character only; {accepted}")


def digest_ha1(user: str, realm: str, password: str) -> tuple[str, str]:
    """The two precomputed digest hashes Kamailio's auth_db reads (ha1, ha1b)."""
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
    ha1b = hashlib.md5(f"{user}@{realm}:{realm}:{password}".encode()).hexdigest()
    return ha1, ha1b
