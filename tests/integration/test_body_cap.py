"""An unauthenticated webhook body is capped while it is read, before the signature check:
a stranger's huge post is refused with 413 having read no more than the cap."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.web.twilio import MAX_BODY_BYTES

CHUNK = b"x" * 65536


@pytest.mark.parametrize("path", ["/webhooks/twilio/sms", "/webhooks/twilio/status"])
async def test_a_huge_chunked_post_is_refused_without_being_read_whole(
    client: httpx.AsyncClient, path: str
) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(3200):  # 200 MB if it were all read
            sent += 1
            yield CHUNK

    response = await client.post(path, content=endless())

    assert response.status_code == 413
    assert sent * len(CHUNK) <= MAX_BODY_BYTES + 2 * len(CHUNK)


async def test_a_declared_length_over_the_cap_is_refused_before_reading(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/webhooks/twilio/sms",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
