"""The first pass of a parallel replay: the block planner equals the line-by-line reading.

``plan_partitions`` plans blocks of common-shape lines with C-level scans of the whole
block and falls back to reading line by line (``ticket_key``) for a block with any other
line. Here a file larger than PARALLEL_MIN_BYTES (so its second half is planned by a forked
process) mixes both; every partition's plan must be what reading each line on its own
gives: the lines it owns, each of its tickets' last line, the lines whose id repeats.
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path

from slakeeper.services import replay

ODD = [
    b"",
    b"   ",
    b"{broken",
    b'{"ticket":"T-7","id":"odd-1","type":"message"}',  # the other order
    b'{"id":"odd-2","ticket":"T-\\u0038","type":"message"}',  # an escaped key
    b'{"id":"odd-3","ticket":12,"type":"message"}',  # an integer key
    b'{"id":"odd-4","ticket":"T-9","custom":{"ticket":"T-99"}}',  # a nested key
    b'{"id":"e17","ticket":"T-17","type":"message"}',  # a repeated id, same ticket
    b'{"id":"odd-5","ticket":"T-5","ticket":"T-6"}',  # a key twice
]


def expected_plans(lines: list[bytes], count: int) -> list[tuple[bytearray, dict[int, str]]]:
    """The plan of every partition, reading each line on its own (the original first pass)."""
    plans: list[tuple[bytearray, dict[int, str]]] = [(bytearray(), {}) for _ in range(count)]
    ends: list[dict[bytes, int]] = [{} for _ in range(count)]
    ids: list[dict[int, list[int]]] = [{} for _ in range(count)]
    for number, line in enumerate(lines, start=1):
        key = replay.ticket_key(line)
        index = (zlib.crc32(key) if key is not None else number) % count
        for other, (marks, _) in enumerate(plans):
            marks.append(1 if other == index else 0)
        if key is not None:
            ends[index][key] = number
        event_id = replay._key(line, b'"id"', b'"id":"', "id")
        if event_id is not None:
            ids[index].setdefault(hash(event_id), []).append(number)
    for index, (marks, last) in enumerate(plans):
        for key, number in ends[index].items():
            last[number] = key.decode()
            marks[number - 1] |= 2
        for numbers in ids[index].values():
            if len(numbers) > 1:
                for number in numbers:
                    marks[number - 1] |= 4
    return plans


def test_block_plans_equal_the_line_by_line_plans(tmp_path: Path) -> None:
    rng = random.Random(7)
    lines = [
        b'{"id":"e%d","ticket":"T-%d","type":"message","at":"2026-01-05T00:00:00Z",'
        b'"author":"agent","public":true,"subject":"%s"}' % (n, rng.randrange(3000), b"x" * 40)
        for n in range(45_000)
    ]
    for _ in range(12):  # a few blocks read line by line, most at C speed
        lines.insert(rng.randrange(len(lines)), rng.choice(ODD))
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines))  # and a last line without a newline
    assert path.stat().st_size > replay.PARALLEL_MIN_BYTES
    for count in (1, 2):
        plans = replay.plan_partitions(str(path), count)
        assert plans is not None
        for plan, (marks, last) in zip(plans, expected_plans(lines, count), strict=True):
            assert plan.marks == marks
            assert plan.last == last


def test_an_id_in_two_partitions_is_found_before_any_worker_starts(tmp_path: Path) -> None:
    line = b'{"id":"same","ticket":"%s","type":"created","at":"2026-01-05T00:00:00Z"}'
    zero = next(f"T-{n}" for n in range(100) if zlib.crc32(f"T-{n}".encode()) % 2 == 0)
    one = next(f"T-{n}" for n in range(100) if zlib.crc32(f"T-{n}".encode()) % 2 == 1)
    path = tmp_path / "events.jsonl"
    path.write_bytes(line % zero.encode() + b"\n" + line % one.encode() + b"\n")
    assert replay.plan_partitions(str(path), 2) is None
    assert replay.plan_partitions(str(path), 1) is not None
    path.write_bytes(line % zero.encode() + b"\n" + line % zero.encode() + b"\n")
    plans = replay.plan_partitions(str(path), 2)  # one partition: a repeat it checks itself
    assert plans is not None
    assert plans[0].marks == bytearray([1 | 4, 1 | 2 | 4])
