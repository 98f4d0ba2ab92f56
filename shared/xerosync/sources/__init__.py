"""Store platforms: each turns its webhooks and REST payloads into our domain."""
