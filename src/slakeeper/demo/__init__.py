"""``slakeeper demo``: the product alive on a database of its own (docs/demo.md).

- :mod:`.receivers` — local notification sinks (Slack-style and webhook over HTTP, SMTP);
- :mod:`.history` — the configuration, 90 days of simulated history, the placed tickets;
- :mod:`.run` — the whole: receivers, history, service, monitor, live simulation.
"""
