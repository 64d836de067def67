"""Email over SMTP: plain text and HTML, STARTTLS and login when configured.

The server comes from the environment (never the stored configuration):
``SLAKEEPER_SMTP_HOST`` (default localhost), ``SLAKEEPER_SMTP_PORT`` (25),
``SLAKEEPER_SMTP_FROM`` (slakeeper@localhost), ``SLAKEEPER_SMTP_STARTTLS`` (``1`` to use
it), ``SLAKEEPER_SMTP_USER`` and ``SLAKEEPER_SMTP_PASSWORD`` (login when both are set).
"""

from __future__ import annotations

import html
import os
import smtplib
from email.message import EmailMessage

from slakeeper.notify.protocol import Message, Outcome

__all__ = ["EmailSink", "email_message"]


def email_message(message: Message, sender: str, to: tuple[str, ...]) -> EmailMessage:
    """The email: subject is the line; bodies in text and HTML with a link to the ticket."""
    mail = EmailMessage()
    mail["Subject"] = f"[slakeeper] {message.text}"
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    facts = (f"Ticket: {message.ticket}\nAccount: {message.account or '-'}\n"
             f"Severity: {message.severity or '-'}\nAt: {message.at}\n")  # fmt: skip
    mail.set_content(f"{message.text}\n\n{facts}\nOpen the ticket: {message.link}\n")
    mail.add_alternative(
        f"<p><strong>{html.escape(message.text)}</strong></p>"
        f"<pre>{html.escape(facts)}</pre>"
        f'<p><a href="{html.escape(message.link)}">Open the ticket</a></p>',
        subtype="html",
    )
    return mail


class EmailSink:
    """Sends through the SMTP server of the environment."""

    def __init__(self, to: tuple[str, ...]) -> None:
        self.to = to

    def send(self, message: Message) -> Outcome:
        env = os.environ
        host, port = (
            env.get("SLAKEEPER_SMTP_HOST", "localhost"),
            int(env.get("SLAKEEPER_SMTP_PORT", "25")),
        )
        sender = env.get("SLAKEEPER_SMTP_FROM", "slakeeper@localhost")
        try:
            with smtplib.SMTP(host, port, timeout=10) as smtp:
                if env.get("SLAKEEPER_SMTP_STARTTLS") == "1":
                    smtp.starttls()
                if env.get("SLAKEEPER_SMTP_USER") and env.get("SLAKEEPER_SMTP_PASSWORD"):
                    smtp.login(env["SLAKEEPER_SMTP_USER"], env["SLAKEEPER_SMTP_PASSWORD"])
                refused = smtp.send_message(email_message(message, sender, self.to))
        except smtplib.SMTPRecipientsRefused as exc:
            return Outcome(ok=False, error=f"recipients refused: {exc.recipients}", permanent=True)
        except smtplib.SMTPResponseException as exc:
            return Outcome(ok=False, status=exc.smtp_code, error=str(exc.smtp_error),
                           permanent=500 <= exc.smtp_code < 600)  # fmt: skip
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
        if refused:
            return Outcome(ok=False, error=f"refused: {sorted(refused)}", permanent=True)
        return Outcome(ok=True, status=250)
