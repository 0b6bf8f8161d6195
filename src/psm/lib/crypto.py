"""Symmetric encryption for secrets stored in the database (pager URLs carry tokens).

The key is ``PSM_FIELD_KEY`` when set (a Fernet key), otherwise derived from SECRET_KEY, so
rotating SECRET_KEY without setting PSM_FIELD_KEY makes stored secrets unreadable: set
PSM_FIELD_KEY in production. A secret the current key cannot read raises
``UnreadableSecret`` (never an empty string: a pager that silently stops paging is worse than
an error); ``psm reencrypt`` re-encrypts every stored secret from an old key to the current.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from psm.lib.env import Env


class UnreadableSecret(Exception):
    def __init__(self) -> None:
        super().__init__(
            "A stored secret cannot be decrypted with the current key: SECRET_KEY or "
            "PSM_FIELD_KEY has changed. Run `psm reencrypt --old-secret-key …` (or "
            "`--old-field-key …`) with the previous key to re-encrypt every stored secret."
        )


def key_from_secret_key(secret_key: str) -> str:
    """The Fernet key derived from a SECRET_KEY (used while PSM_FIELD_KEY is unset)."""
    digest = hashlib.sha256(f"psm-field-key:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@cache
def _fernet() -> Fernet:
    key = Env().raw("PSM_FIELD_KEY") or key_from_secret_key(str(settings.SECRET_KEY))
    return Fernet(key.encode())


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise UnreadableSecret() from exc


def reencrypt(token: str, old_key: str) -> str:
    """``token`` encrypted with the current key, whether it was encrypted with ``old_key`` or
    already with the current one; raises ``UnreadableSecret`` when neither reads it."""
    try:
        return MultiFernet([_fernet(), Fernet(old_key.encode())]).rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise UnreadableSecret() from exc
