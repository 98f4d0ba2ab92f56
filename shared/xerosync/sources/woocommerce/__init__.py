"""WooCommerce: webhook signature, topics, payload models and mapping to the domain."""
