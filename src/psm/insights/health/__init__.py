"""Explainable account health: built-in components registered here, others by their apps
(``psm.lib.health``); the arithmetic in ``scoring``; computing and snapshots in ``compute``."""

from psm.insights.health.components import BUILT_IN
from psm.lib.health import register

for _component in BUILT_IN:
    register(_component)
