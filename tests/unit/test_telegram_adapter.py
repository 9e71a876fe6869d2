"""The Telegram adapter's pure parts: Update parsing, keyboards, and error mapping."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.base import OutboundMessage, PermanentSendError, TransientSendError
from bot.channels.telegram import TelegramSender, keyboard, send_error
from bot.channels.telegram_updates import MalformedUpdate, parse_update

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
CHAT = {"id": 42, "type": "private"}


def test_a_text_message_becomes_an_inbound_message_keyed_by_update_id() -> None:
    update = parse_update({"update_id": 7, "message": {"chat": CHAT, "text": "hi"}}, NOW)

    assert update is not None
    assert (update.inbound.channel, update.inbound.provider_id) == ("telegram", "7")
    assert (update.inbound.address, update.inbound.text) == ("42", "hi")
    assert update.callback_query_id is None


def test_an_edited_message_is_screened_like_a_new_one() -> None:
    update = parse_update({"update_id": 8, "edited_message": {"chat": CHAT, "text": "x"}}, NOW)

    assert update is not None and update.inbound.text == "x"


def test_a_button_tap_becomes_the_text_of_its_callback_data() -> None:
    tap = {"id": "q1", "from": {"id": 42}, "message": {"chat": CHAT}, "data": "ACK 123456"}

    update = parse_update({"update_id": 9, "callback_query": tap}, NOW)

    assert update is not None
    assert (update.inbound.address, update.inbound.text) == ("42", "ACK 123456")
    assert update.callback_query_id == "q1"


def test_a_photo_counts_as_media_and_its_caption_is_the_text() -> None:
    message = {"chat": CHAT, "photo": [{"file_id": "a"}], "caption": "look"}

    update = parse_update({"update_id": 10, "message": message}, NOW)

    assert update is not None
    assert (update.inbound.text, update.inbound.media_count) == ("look", 1)


def test_update_kinds_without_a_message_are_not_taken() -> None:
    assert parse_update({"update_id": 11, "poll": {"id": "p"}}, NOW) is None


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"update_id": "1"},
        {"update_id": True},
        {"update_id": 10**40},
        {"update_id": 1, "message": {}},
        {"update_id": 1, "message": {"chat": {"id": 10**40}}},
    ],
)
def test_anything_that_is_not_an_update_is_malformed(payload: object) -> None:
    with pytest.raises(MalformedUpdate):
        parse_update(payload, NOW)


def test_a_scale_keyboard_is_laid_out_like_a_keypad() -> None:
    markup = keyboard(tuple((str(n), str(n)) for n in range(11)))

    assert markup is not None
    assert [len(row) for row in markup.inline_keyboard] == [6, 5]


def test_a_button_whose_reply_is_too_long_for_callback_data_is_left_off() -> None:
    markup = keyboard((("Yes", "yes"), ("Long", "x" * 65)))

    assert markup is not None
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == ["yes"]
    assert keyboard(()) is None


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), PermanentSendError, 403),
        (BadRequest("Bad Request: chat not found"), PermanentSendError, None),
        (TimedOut(), TransientSendError, None),
        (NetworkError("Internal Server Error"), TransientSendError, None),
    ],
)
def test_telegram_errors_map_to_retry_or_give_up(
    error: Exception, kind: type[Exception], code: int | None
) -> None:
    mapped = send_error(error)  # type: ignore[arg-type]

    assert isinstance(mapped, kind)
    assert getattr(mapped, "code", None) == code


def test_flood_control_keeps_telegrams_retry_after() -> None:
    mapped = send_error(RetryAfter(timedelta(seconds=17)))

    assert isinstance(mapped, TransientSendError) and mapped.retry_after == 17


async def test_a_refused_connection_is_worth_retrying() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = TelegramSender(
        token="1:closed", api_base_url=f"http://127.0.0.1:{port}/bot", timeout=1
    )

    with pytest.raises(TransientSendError):
        await sender.send(OutboundMessage("telegram", "42", "hello", "k1"))
    await sender.aclose()
