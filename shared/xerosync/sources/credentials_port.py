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


@frozen
class Granted:
    """What a store sent to the stack's callback when its administrator approved: the nonce the
    stack sent (``nonce``, to be checked before anything else) and the credentials secret's fields."""

    nonce: str
    fields: Mapping[str, str]


class KeyGrant(Protocol):
    """An optional capability beside :class:`CredentialForm` (a ``GRANT`` in the adapter's
    ``credentials`` module, found by :func:`xerosync.sources.key_grant`): the store makes the key
    itself when its administrator approves on the store's own page, and sends it to the stack's
    callback, server to server. The console sends the signed-in person there with a single-use
    nonce and stores what arrives with that nonce, checked first with :meth:`CredentialForm.check`."""

    @property
    def address(self) -> str:
        """The :class:`CredentialField` naming where the store is (its URL), typed before going."""
        ...

    def approve_url(self, address: str, *, app_name: str, nonce: str, return_url: str, callback_url: str) -> str:
        """The store's approve page for this app, this nonce and these URLs of the stack."""
        ...

    def granted(self, body: str) -> Granted:
        """The callback's body, parsed: :class:`~xerosync.sources.port.StoreError` when it is not
        what the store sends (nothing in it trusted until its nonce is found)."""
        ...

    def returned(self, query: Mapping[str, str]) -> tuple[str, bool] | None:
        """The browser sent back to the stack: its nonce, and whether the administrator approved;
        None when the query is not the store's."""
        ...
