"""The window node: storage, domain services, GraphQL schema and ASGI app of one window platform."""

__version__ = "0.1.0"
