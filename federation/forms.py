"""Reading a posted url-encoded HTML form within a size limit, for the servers' web pages."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

__all__ = ["FormTooLarge", "read_form"]


class FormTooLarge(Exception):
    """The posted body is over the limit; the rest of it was not read."""


async def read_form(request: Request, limit_bytes: int, max_fields: int) -> dict[str, str]:
    """The url-encoded form posted, by field: its first non-blank value.

    The body is read chunk by chunk and never held beyond `limit_bytes`: FormTooLarge as soon as
    it (or its declared Content-Length) passes the limit. ValueError for more than `max_fields`
    fields. Bytes that are not UTF-8 become U+FFFD, and so does NUL, which no stored text may
    hold (PostgreSQL refuses it).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit_bytes:
        raise FormTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit_bytes:
            raise FormTooLarge
        chunks.append(chunk)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    fields = parse_qs(text, max_num_fields=max_fields)
    # A NUL comes percent-encoded (%00), so only the decoded values can hold one.
    return {key: values[0].replace("\x00", "\ufffd") for key, values in fields.items()}
