"""The store's API credentials as a person enters them (the console's store form): an optional
capability of a source, declared by its adapter package in a ``credentials`` module whose
``FORM`` is a :class:`CredentialForm` (found by :func:`xerosync.sources.credential_form`).

The adapter says which fields its credentials secret holds (a field marked ``secret`` is never
shown back: the form leaves it blank, and blank keeps what is stored) and checks a set of them
with one call to the store before anything is saved, so a wrong key is a clear error at once,
not a failed sync later. The core stores them (Secrets Manager) and logs who did; it knows no
store by name.

Standard library only.
"""

from collections.abc import Mapping
from typing import Any, Protocol

from xerosync.frozen import frozen


@frozen
class CredentialField:
    """One field of the store's credentials secret."""

    name: str  # its key in the secret
    label: str  # for people
    secret: bool = True  # never shown back, never logged
    required: bool = True
    help: str = ""  # where the merchant finds it


class CredentialForm(Protocol):
    """What a source declares of its credentials for the console and the CLI."""

    @property
    def fields(self) -> tuple[CredentialField, ...]:
        """The credentials secret's fields, in the order the form shows them."""
        ...

    @property
    def title(self) -> str:
        """For people: "WooCommerce REST API key"."""
        ...

    def check(self, credentials: Mapping[str, Any]) -> str:
        """One call to the store with these credentials: what it found, for people ("the store at
        https://shop.example answered; 12 orders"). A :class:`~xerosync.sources.port.StoreError`
        whose message says what is wrong (naming a field, never its value) when the store refuses
        them; :class:`~xerosync.sources.port.StoreUnavailable` when it did not answer."""
        ...
