"""Symmetric encryption for secrets stored in the database (pager URLs carry tokens).

The key is ``PSM_FIELD_KEY`` when set (a Fernet key), otherwise derived from SECRET_KEY, so
rotating SECRET_KEY without setting PSM_FIELD_KEY makes stored secrets unreadable: set
PSM_FIELD_KEY in production.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from psm.lib.env import Env


@cache
def _fernet() -> Fernet:
    key = Env().raw("PSM_FIELD_KEY")
    if not key:
        digest = hashlib.sha256(f"psm-field-key:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode())


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
