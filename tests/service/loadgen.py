"""A load generator in its own process: posts events, records each acknowledged id.

``python -m tests.service.loadgen URL TOKEN EVENTS.jsonl ACKS.txt BATCH`` posts the
events in order, BATCH per request; on a failure (server killed, 5xx) it waits and posts
the same request again, as a real client would. After each 2xx it appends the ids to
ACKS.txt and flushes, so the file lists exactly what the server acknowledged.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
import orjson


def run(url: str, token: str, events_path: Path, acks_path: Path, batch: int) -> None:
    events = [orjson.loads(line) for line in events_path.read_bytes().splitlines() if line]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(timeout=10) as client, acks_path.open("a") as acks:
        for start in range(0, len(events), batch):
            part = events[start : start + batch]
            body = orjson.dumps(part if batch > 1 else part[0])
            while True:
                try:
                    answer = client.post(f"{url}/api/v1/events", content=body, headers=headers)
                except httpx.TransportError:
                    time.sleep(0.05)
                    continue
                if answer.status_code == 200:
                    break
                if answer.status_code < 500:
                    raise SystemExit(f"refused: {answer.status_code} {answer.text}")
                time.sleep(0.05)
            acks.write("".join(f"{event['id']}\n" for event in part))
            acks.flush()


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))
