#!/usr/bin/env bash
# A short tour of slakeeper's business-time engine (until the full demo lands).
set -euo pipefail
cd "$(dirname "$0")/.."
S=.venv/bin/slakeeper
CAL=examples/calendars.yaml
run() { printf '\n$ %s\n' "$*"; "$@"; }

echo "slakeeper: exact business time. Calendars in $CAL"
run "$S" check "$CAL"
echo
echo "A 4-business-hour target opened Friday 15:00 New York is due Monday 11:00 (16:00Z):"
run "$S" time add --calendar "$CAL:us-support" --start 2026-11-20T20:00:00Z --duration 4h
echo "The same target opened the day before Thanksgiving skips the holiday and the half day:"
run "$S" time add --calendar "$CAL:us-support" --start 2026-11-25T20:00:00Z --duration 4h
echo "A target ending exactly at closing time is due at the close, not the next opening:"
run "$S" time add --calendar "$CAL:us-support" --start 2026-11-23T14:00:00Z --duration 8h
echo "Berlin's 22:00-06:00 night desk counts 7 hours on the night clocks spring forward:"
run "$S" time between --calendar "$CAL:berlin-night" --start 2026-03-28T12:00:00Z --end 2026-03-29T12:00:00Z
echo "Many questions at once, pauses included (JSONL in, JSONL out):"
printf '$ %s\n' "slakeeper time batch --calendar $CAL:split-shift < requests.jsonl"
"$S" time batch --calendar "$CAL:split-shift" <<'JSONL'
{"op": "add", "start": "2026-11-23T16:30:00Z", "seconds": 3600}
{"op": "add", "start": "2026-11-23T16:30:00Z", "seconds": 3600, "pauses": [["2026-11-23T18:00:00Z", "2026-11-23T19:00:00Z"]]}
{"op": "between", "start": "2026-11-23T13:00:00Z", "end": "2026-11-24T13:00:00Z"}
{"op": "add", "start": "2026-11-23T16:30:00", "seconds": 60}
JSONL
echo
echo "Bad input is refused with the key and the line that are wrong (exit code 2):"
printf 'calendars:\n  broken:\n    timezone: Mars/Olympus\n    weekly: {mon: ["25:00-17:00"], funday: []}\n' > /tmp/slakeeper-broken.yaml
printf '\n$ %s\n' "slakeeper check broken.yaml"
"$S" check /tmp/slakeeper-broken.yaml 2>&1 || echo "(exit code $?)"

echo
echo "Every SLA clock of every ticket, from the event log alone (examples/events.jsonl):"
run "$S" evaluate --config examples/config.yaml --events examples/events.jsonl \
  --now 2026-03-02T20:00:00Z --format table
echo "And why: T-1's timeline, each step naming its event, line and rule:"
run "$S" explain --config examples/config.yaml --events examples/events.jsonl \
  --ticket T-1 --now 2026-03-02T20:00:00Z
