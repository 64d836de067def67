"""Microsoft Teams incoming webhook: an Adaptive Card."""

from __future__ import annotations

from typing import Any

from slakeeper.notify.http import post_json
from slakeeper.notify.protocol import Message, Outcome

__all__ = ["TeamsSink", "teams_payload"]


def teams_payload(message: Message) -> dict[str, Any]:
    """A message with one Adaptive Card: the line, the facts, a button to the ticket."""
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": message.text, "weight": "Bolder", "wrap": True,
             "color": "Attention" if message.kind == "breach" else "Default"},
            {"type": "FactSet", "facts": [
                {"title": "Ticket", "value": message.ticket},
                {"title": "Account", "value": message.account or "-"},
                {"title": "Severity", "value": message.severity or "-"},
                {"title": "At", "value": message.at},
            ]},
        ],
        "actions": [{"type": "Action.OpenUrl", "title": "Open ticket", "url": message.link}],
    }  # fmt: skip
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


class TeamsSink:
    """Posts to a Teams incoming-webhook URL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, message: Message) -> Outcome:
        return post_json(self.url, teams_payload(message))
