"""A plugin that claims the core's namespace (its Tortoise app label)."""

NAMESPACE = "node"
