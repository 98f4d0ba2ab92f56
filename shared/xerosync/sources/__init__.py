"""The store sources a stack can serve, by name: the one place that names them.

Each source is an adapter package ``xerosync.sources.<name>`` with an ``adapter`` module whose
``SOURCE`` implements :class:`xerosync.sources.port.StoreSource`, and a ``webhook`` module (the
standard library only, for the ingress) whose ``decide`` is its
:data:`xerosync.sources.port.WebhookDecider`. A new store is a new package and a line here.
Modules are imported when first asked for, so a function loads only the source it serves.
"""

import importlib
from functools import cache
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from xerosync.sources.port import StoreSource, WebhookDecider

SOURCES: dict[str, str] = {"woocommerce": "xerosync.sources.woocommerce"}
DEFAULT = "woocommerce"  # a stack that names no source (stacks deployed before there was a choice)

_extra: dict[str, str] = {}


class UnknownSource(ValueError):
    """An envelope or a stack names a source this package has no adapter for."""


def register(name: str, package: str) -> None:
    """Make another adapter package known (a source kept outside this package, or a test's)."""
    _extra[name] = package
    source.cache_clear()
    decider.cache_clear()


def _package(name: str) -> str:
    package = _extra.get(name) or SOURCES.get(name)
    if package is None:
        known = ", ".join(sorted({*SOURCES, *_extra}))
        raise UnknownSource(f"no store source {name!r} (known: {known})")
    return package


@cache
def source(name: str) -> "StoreSource":
    """The adapter of the store source ``name``."""
    return cast("StoreSource", importlib.import_module(_package(name) + ".adapter").SOURCE)


@cache
def decider(name: str) -> "WebhookDecider":
    """The webhook decision of the store source ``name`` (standard library only)."""
    return cast("WebhookDecider", importlib.import_module(_package(name) + ".webhook").decide)
