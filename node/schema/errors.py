"""The one place where errors become GraphQL errors with ``extensions.code``."""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from federation.errors import SmenetError

log = logging.getLogger("smenet.errors")


class ErrorCodes(MaskErrors):
    """Typed domain errors keep their message and get their code; anything else is masked."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _: True, error_message="Internal server error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, SmenetError):
            extensions = {**original.extensions, "code": original.code}
            message = original.message
        elif original is None or error.path is None:
            # Parsing, validation and variable coercion (strawberry raises plain exceptions for
            # some scalars, e.g. a bad Decimal): the message is about the request itself.
            extensions = {**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"}
            message = error.message
        else:
            log.error("unexpected error in %s", error.path, exc_info=original)
            extensions, message = {"code": "INTERNAL_ERROR"}, self.error_message
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
