"""Phone calls through Twilio: the escalation ladder's last resort.

The outbox item's body is the TwiML the call plays (built by `bot.safety.voice`), so the
message row records exactly what the clinician heard. Errors are classified as for SMS:
429 and 5xx are retried, other 4xx fail at once and the page moves the ladder on.
"""

from __future__ import annotations

from bot.channels.base import OutboundMessage
from bot.channels.twilio_sms import TwilioSender

# Twilio reports a call's end here; busy, no-answer and failed move the ladder on.
CALL_END_EVENTS = ["completed"]


class TwilioVoiceSender(TwilioSender):
    """Place one call per outbox item, from a voice-capable number."""

    async def _create(self, message: OutboundMessage) -> str:
        kwargs: dict[str, object] = {"to": message.address, "twiml": message.body}
        kwargs["from_"] = self._from  # bootstrap builds this sender only with a number
        if self._status_callback:
            kwargs["status_callback"] = self._status_callback
            kwargs["status_callback_event"] = CALL_END_EVENTS
        return str((await self._client.calls.create_async(**kwargs)).sid)
