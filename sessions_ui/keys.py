"""Session keys and their stored form.

A key is Django's own format: 32 characters of ``[a-z0-9]``. Anything else that arrives in a
cookie or a bearer token is rejected before it can reach the database or the cache, and only
the SHA-256 hash of a key is ever stored, so a copy of the table yields no live session.
"""

from __future__ import annotations

import hashlib
import re

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string

KEY_LENGTH = 32
_KEY_RE = re.compile(rf"[a-z0-9]{{{KEY_LENGTH}}}")


def is_valid_key(key: object) -> bool:
    return isinstance(key, str) and _KEY_RE.fullmatch(key) is not None


def new_key() -> str:
    return get_random_string(KEY_LENGTH, VALID_KEY_CHARS)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()
