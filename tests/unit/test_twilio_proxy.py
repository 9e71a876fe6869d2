"""Sends to Twilio go through the proxy the environment names, as they did with requests.

The async client reads the environment once per host instead of on every send
(aiohttp's `trust_env` re-reads it, and ~/.netrc, in a thread each time).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.channels.twilio_sms import _origin_proxy, _proxy_for

PROXY = "http://proxy.clinic.internal:3128"


@pytest.fixture
def clinic_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("https_proxy", "http_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    _origin_proxy.cache_clear()
    yield
    _origin_proxy.cache_clear()


def test_twilio_is_reached_through_the_clinic_proxy(clinic_proxy: None) -> None:
    assert _proxy_for("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json") == PROXY


def test_hosts_in_no_proxy_are_reached_directly(clinic_proxy: None) -> None:
    assert _proxy_for("http://127.0.0.1:8080/2010-04-01/Accounts/AC1/Messages.json") is None
