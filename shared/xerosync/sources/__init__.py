"""The store sources a stack can serve, by name: the one place that names them.

Each source is an adapter package ``xerosync.sources.<name>`` with an ``adapter`` module whose
``SOURCE`` implements :class:`xerosync.sources.port.StoreSource`, and a ``webhook`` module (the
standard library only, for the ingress) whose ``decide`` is its
:data:`xerosync.sources.port.WebhookDecider`. A new store is a new package and a line here.

A name not listed here is the import path of an adapter package kept outside this one (shipped
in a layer of its own beside the stack's, say ``acme_store``): the same two modules, found by
the same rules. Modules are imported when first asked for, so a function loads only the source
it serves. A source whose credentials a person enters in the console also has a ``credentials``
module whose ``FORM`` is its :class:`xerosync.sources.credentials_port.CredentialForm`.
"""

import importlib
import re
from functools import cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from xerosync.sources.credentials_port import CredentialForm, KeyGrant
    from xerosync.sources.port import StoreSource, WebhookDecider

SOURCES: dict[str, str] = {
    "woocommerce": "xerosync.sources.woocommerce",
    "shopify": "xerosync.sources.shopify",
    "amazon": "xerosync.sources.amazon",
    "zoho": "xerosync.sources.zoho",
}
DEFAULT = "woocommerce"  # a stack that names no source (stacks deployed before there was a choice)

_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


class UnknownSource(ValueError):
    """An envelope or a stack names a store source no adapter can be found for."""


def _package(name: str) -> str:
    if name in SOURCES:
        return SOURCES[name]
    if not _NAME.match(name):
        raise UnknownSource(f"{name!r} is not the name of a store source (known: {', '.join(sorted(SOURCES))})")
    return name


def _module(name: str, module: str) -> Any:
    try:
        return importlib.import_module(f"{_package(name)}.{module}")
    except ModuleNotFoundError as exc:
        known = ", ".join(sorted(SOURCES))
        raise UnknownSource(f"no store source {name!r} ({exc}; known here: {known})") from None


@cache
def source(name: str) -> "StoreSource":
    """The adapter of the store source ``name``."""
    return cast("StoreSource", _module(name, "adapter").SOURCE)


@cache
def decider(name: str) -> "WebhookDecider":
    """The webhook decision of the store source ``name`` (standard library only)."""
    return cast("WebhookDecider", _module(name, "webhook").decide)


def credential_form(name: str) -> "CredentialForm | None":
    """How the source ``name``'s credentials are entered and checked (its ``credentials`` module's
    ``FORM``); None for a source that declares none."""
    try:
        module = importlib.import_module(f"{_package(name)}.credentials")
    except ModuleNotFoundError:
        return None
    return cast("CredentialForm", module.FORM)


def key_grant(name: str) -> "KeyGrant | None":
    """How the source ``name``'s store grants a key from its own approve page (its ``credentials``
    module's ``GRANT``); None for a source whose store offers no such flow."""
    try:
        module = importlib.import_module(f"{_package(name)}.credentials")
    except ModuleNotFoundError:
        return None
    return cast("KeyGrant | None", getattr(module, "GRANT", None))
