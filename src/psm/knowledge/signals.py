"""The search index is derived data: an article removed by a cascade (its account deleted)
leaves the index too. The services keep it for every other change."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete

from psm.knowledge import search
from psm.knowledge.models import Article


def _unindex(sender: type[Article], instance: Article, **kwargs: Any) -> None:
    search.unindex(instance.pk)


def connect() -> None:
    post_delete.connect(_unindex, sender=Article, dispatch_uid="knowledge-unindex")
