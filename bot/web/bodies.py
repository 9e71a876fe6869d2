"""Reading an unauthenticated request body without letting its sender fill our memory.

A webhook's body is read before its signature can be checked, so a stranger chooses its
size. ``read_capped`` refuses a declared ``Content-Length`` over the limit before reading
anything, and stops reading a body (chunked, or lying about its length) at the limit.
"""

from __future__ import annotations

from fastapi import Request

__all__ = ["BodyTooLarge", "read_capped"]


class BodyTooLarge(Exception):
    """The body is over the route's limit: answer 413 and read no further."""


async def read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
