"""Domain services of the node: plain async functions over the storage models, no GraphQL."""
