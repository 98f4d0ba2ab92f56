"""Shopify behind the store port: webhooks (:mod:`.webhook`, standard library only), the Admin
GraphQL API (:mod:`.queries`, :mod:`.client`), payloads into the domain (:mod:`.mapping`), its
settings section (:mod:`.settings`) and the port itself (:mod:`.adapter`)."""
