"""The hub's domain services: plain async functions, no GraphQL in them."""
