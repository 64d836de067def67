"""An in-memory sink: keeps what it was sent (tests, the demo's Deliveries page)."""

from __future__ import annotations

import threading

from slakeeper.notify.protocol import Message, Outcome

__all__ = ["MemorySink"]


class MemorySink:
    """Records every message; ``fail_with`` makes it answer a failure instead."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.fail_with: Outcome | None = None
        self._lock = threading.Lock()

    def send(self, message: Message) -> Outcome:
        with self._lock:
            if self.fail_with is not None:
                return self.fail_with
            self.messages.append(message)
        return Outcome(ok=True)
