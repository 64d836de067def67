"""A generic webhook: the alert as JSON, signed like the inbound webhook (HMAC-SHA256)."""

from __future__ import annotations

import dataclasses
import os
import time

import orjson

from slakeeper.notify.http import post_json
from slakeeper.notify.protocol import Message, Outcome
from slakeeper.notify.signatures import sign

__all__ = ["WebhookSink"]


class WebhookSink:
    """Posts the alert to a URL; signed when the notifier names a secret's variable."""

    def __init__(self, url: str, secret_env: str | None) -> None:
        self.url = url
        self.secret_env = secret_env

    def send(self, message: Message) -> Outcome:
        body = orjson.dumps(dataclasses.asdict(message))
        headers = {}
        if self.secret_env is not None:
            secret = os.environ.get(self.secret_env)
            if not secret:  # never send unsigned what the configuration says to sign
                return Outcome(ok=False, error=f"{self.secret_env} is not set", permanent=False)
            stamp = int(time.time())
            headers = {"X-Slakeeper-Timestamp": str(stamp),
                       "X-Slakeeper-Signature": sign(secret, stamp, body)}  # fmt: skip
        return post_json(self.url, None, headers=headers, body=body)
