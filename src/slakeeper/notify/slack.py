"""Slack incoming webhook: a Block Kit message."""

from __future__ import annotations

from typing import Any

from slakeeper.notify.http import post_json
from slakeeper.notify.protocol import Message, Outcome

__all__ = ["SlackSink", "slack_payload"]

_EMOJI = {"warning": ":warning:", "objective_missed": ":hourglass:", "escalation": ":arrow_up:",
          "breach": ":rotating_light:", "correction": ":white_check_mark:"}  # fmt: skip


def slack_payload(message: Message) -> dict[str, Any]:
    """The Block Kit body: the line, the ticket's facts, and a button to the ticket."""
    facts = [
        f"*Ticket* {message.ticket}",
        f"*Account* {message.account or '-'}",
        f"*Severity* {message.severity or '-'}",
        f"*At* {message.at}",
    ]
    headline = f"{_EMOJI.get(message.kind, '')} *{message.text}*"
    button = {"type": "plain_text", "text": "Open ticket"}
    return {
        "text": message.text,  # the notification preview
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": headline}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f} for f in facts]},
            {"type": "actions",
             "elements": [{"type": "button", "url": message.link, "text": button}]},
        ],
    }  # fmt: skip


class SlackSink:
    """Posts to a Slack incoming-webhook URL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, message: Message) -> Outcome:
        return post_json(self.url, slack_payload(message))
