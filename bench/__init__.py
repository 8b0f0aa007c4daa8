"""Benchmark of the node against a straightforward strawberry server and a graphql-core floor:
``python -m bench`` (see README.md). Not part of the tests."""
