"""/risk, /accounts, /accounts/{id} and /queue.csv over HTTP, their figures counted here
from the hand-made history of tests/console/history.py (not from the code's output)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.accounts import WEEKS, list_accounts, read_account
from slakeeper.services.risk import read_risk
from slakeeper.services.tokens import Role
from tests.console.conftest import Console
from tests.console.history import NOW, Clock, clocks, load

NOW_US = to_us(parse_instant(NOW))


@pytest.fixture
def history(console: Console) -> Console:
    load(console)
    return console


def _month_start(zone: str) -> str:
    local = datetime.fromisoformat(NOW.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    start = local.replace(day=1, hour=0, minute=0, second=0)
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decided(found: list[Clock], since: str) -> tuple[int, int]:
    chosen = [c for c in found if since <= c.started <= NOW]
    return (sum(c.outcome == "met" for c in chosen), sum(c.outcome == "breached" for c in chosen))


ZONES = {"acme": "Europe/Berlin", "globex": "UTC", "initech": "UTC"}


def test_accounts_count_this_months_clocks_in_each_accounts_zone(history: Console) -> None:
    with history.service.database.read() as connection:
        found = {s.id: s for s in list_accounts(connection, NOW_US)}
    assert set(found) == {"acme", "globex", "initech"}
    for account, zone in ZONES.items():
        mine = [c for c in clocks() if c.account == account]
        met, breached = _decided(mine, _month_start(zone))
        assert (found[account].period.met, found[account].period.breached) == (met, breached)
    acme = found["acme"]
    # A1 started on 1 March in Berlin (28 February in UTC): it is in acme's March.
    assert acme.period.met == 3 and acme.period.breached == 2
    assert acme.period.compliance == pytest.approx(3 / 5)
    assert acme.is_below_commitment  # 60% against 90%
    assert acme.period.share == 0.1  # under 0.9 but not under 0.5: one row, no stacking
    assert acme.period.amount == pytest.approx(100.0)
    assert found["globex"].period.share == 0.0  # a commitment without credit rows
    assert found["initech"].contract is None and not found["initech"].in_config
    assert found["initech"].period.compliance is None  # nothing decided yet


def test_accounts_count_open_tickets_at_risk_and_breached(history: Console) -> None:
    with history.service.database.read() as connection:
        found = {s.id: s for s in list_accounts(connection, NOW_US)}
    for account in ZONES:
        mine = [c for c in clocks() if c.account == account and c.open]
        tickets = {c.ticket for c in mine}
        late = {c.ticket for c in mine if c.outcome == "breached"}
        assert found[account].open.open == len(tickets)
        assert found[account].open.breached == len(late)
        unfinished = [c for c in mine if c.outcome != "met"]
        nearest = min(c.due for c in unfinished)
        assert found[account].open.nearest_due == to_us(parse_instant(nearest))
    # A4: first response due 12:30, warned at 12:00 (half of 1h): at risk, not breached.
    assert found["acme"].open.at_risk == 1


def test_accounts_are_sorted_by_nearest_breach_then_compliance(history: Console) -> None:
    with history.service.database.read() as connection:
        order = [s.id for s in list_accounts(connection, NOW_US)]
        by_compliance = [s.id for s in list_accounts(connection, NOW_US, sort="compliance")]
    # globex's G1 was due 20:00 yesterday, acme's A3 at 10:00 today, initech's U1 at 12:45.
    assert order == ["globex", "acme", "initech"]
    # globex is 79 points under its commitment (20% against 99%), acme 30 (60% against 90%).
    assert by_compliance == ["globex", "acme", "initech"]


def test_an_accounts_trend_has_twelve_local_weeks(history: Console) -> None:
    with history.service.database.read() as connection:
        detail = read_account(connection, "acme", NOW_US)
    assert len(detail.trend) == WEEKS
    berlin = ZoneInfo("Europe/Berlin")
    today = datetime.fromisoformat(NOW.replace("Z", "+00:00")).astimezone(berlin).date()
    monday = today - timedelta(days=today.weekday())
    expected = []
    for back in range(WEEKS - 1, -1, -1):
        day = monday - timedelta(weeks=back)
        start = datetime(day.year, day.month, day.day, tzinfo=berlin).astimezone(UTC)
        end = start + timedelta(days=7)
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        chosen = [c for c in clocks() if c.account == "acme"
                  and start.strftime(fmt) <= c.started < end.strftime(fmt)]  # fmt: skip
        year, week, _ = day.isocalendar()
        met = sum(c.outcome == "met" for c in chosen)
        breached = sum(c.outcome == "breached" for c in chosen)
        expected.append((f"{year}-W{week:02}", met, breached))
    assert [(p.label, p.met, p.breached) for p in detail.trend] == expected
    assert expected[-1] == ("2026-W11", 0, 1)  # A3's first response; A4 still running


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_risk_lists_what_breaches_within_the_hour_and_day_and_what_breached_today(
    history: Console, zone: str
) -> None:
    with history.service.database.read() as connection:
        view = read_risk(connection, NOW_US, timezone=zone)
    now = datetime.fromisoformat(NOW.replace("Z", "+00:00"))
    local = now.astimezone(ZoneInfo(zone))
    midnight = local.replace(hour=0, minute=0, second=0).astimezone(UTC)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    hour, day = (now + timedelta(hours=1)).strftime(fmt), (now + timedelta(days=1)).strftime(fmt)
    # A ticket's due instant is its earliest unfulfilled clock's.
    due: dict[str, str] = {}
    for c in clocks():
        if c.open and c.outcome != "met":
            due[c.ticket] = min(due.get(c.ticket, c.due), c.due)
    within_hour = sorted((d, t) for t, d in due.items() if NOW < d <= hour)
    within_day = sorted((d, t) for t, d in due.items() if hour < d <= day)
    breached = [c for c in clocks()
                if c.outcome == "breached" and midnight.strftime(fmt) <= c.due <= NOW]  # fmt: skip
    assert [t.id for t in view.hour] == [t for _, t in within_hour] == ["A4", "U1"]
    assert [t.id for t in view.day] == [t for _, t in within_day] == ["G3"]
    assert sorted((b.ticket.id, b.metric) for b in view.breaches) == sorted(
        (c.ticket, c.metric) for c in breached
    )
    assert view.counts == {"hour": 2, "day": 1, "breached": len(breached)}
    teams = {g.name: (g.hour, g.day, g.breached) for g in view.by_team}
    team_of = {c.ticket: c.team or "(none)" for c in clocks()}
    expected: dict[str, list[int]] = {}
    for index, rows in enumerate(([t for _, t in within_hour], [t for _, t in within_day],
                                  [c.ticket for c in breached])):  # fmt: skip
        for name, count in Counter(team_of[t] for t in rows).items():
            expected.setdefault(name, [0, 0, 0])[index] = count
    assert teams == {name: tuple(counts) for name, counts in expected.items()}


def test_the_risk_and_accounts_pages_show_the_figures(history: Console) -> None:
    history.login("viewer")
    risk = history.client.get("/risk")
    assert risk.status_code == 200
    assert "<strong>2</strong> due within the hour" in risk.text
    assert 'href="/tickets/A4"' in risk.text
    accounts = history.client.get("/accounts")
    assert accounts.status_code == 200
    assert accounts.text.index('data-account="globex"') < accounts.text.index('data-account="acme"')
    assert "60.0%" in accounts.text and "below commitment by 30.0 pts" in accounts.text
    assert "(not configured)" in accounts.text  # initech
    acme = history.client.get("/accounts/acme")
    assert acme.status_code == 200
    assert 'id="trend-data"' in acme.text and '"commitment": 90.0' in acme.text
    assert 'data-ticket="A3"' in acme.text and 'data-ticket="G1"' not in acme.text
    assert "Customer links" not in acme.text  # admins only
    assert history.client.get("/accounts/nobody").status_code == 404


def test_an_unknown_time_zone_is_a_422_page_naming_tz(history: Console) -> None:
    history.login("viewer")
    for path in ("/risk?tz=Mars/Olympus", "/accounts?tz=Mars/Olympus", "/accounts/acme?tz=X"):
        answer = history.client.get(path)
        assert answer.status_code == 422
        assert "tz: unknown time zone" in answer.text
    answer = history.client.get("/accounts?sort=size")
    assert answer.status_code == 422
    assert "sort: sort must be one of risk, compliance, name, not &#39;size&#39;" in answer.text


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("agent", 200), ("viewer", 200), ("ingest", 403)]
)
def test_the_new_pages_open_to_readers(console: Console, role: str, status: int) -> None:
    load(console)
    console.login(role)
    for page in ("/risk", "/accounts", "/accounts/acme", "/queue.csv"):
        assert console.client.get(page, follow_redirects=False).status_code == status, page


def test_a_signed_out_visitor_is_sent_to_login_from_the_new_pages(console: Console) -> None:
    for page in ("/risk", "/accounts", "/accounts/acme?tz=UTC", "/queue.csv"):
        answer = console.client.get(page, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=%2F")


def test_the_csv_export_is_the_whole_queue_in_order(history: Console) -> None:
    history.login("viewer")
    answer = history.client.get("/queue.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    api = history.service.get("/api/v1/queue", Role.VIEWER, limit=100).json()["items"]
    assert [row["ticket"] for row in rows] == [item["ticket"] for item in api]
    open_tickets = {c.ticket for c in clocks() if c.open}
    assert {row["ticket"] for row in rows} == open_tickets
    a3 = next(row for row in rows if row["ticket"] == "A3")
    assert a3["state"] == "breached" and a3["account"] == "acme" and a3["agent"] == "agent-ana"
    assert "first_response breached due 2026-03-10T10:00:00Z" in a3["clocks"]
    late = list(csv.DictReader(io.StringIO(history.client.get("/queue.csv?breached=yes").text)))
    expected = {c.ticket for c in clocks() if c.open and c.outcome == "breached"}
    assert {row["ticket"] for row in late} == expected


def test_the_csv_export_defuses_spreadsheet_formulas(console: Console) -> None:
    load(console)
    console.service.post_events(
        {"id": "x1", "ticket": "X-1", "type": "created", "at": "2026-03-10T11:00:00Z",
         "severity": "P1", "account": "acme", "subject": "=HYPERLINK(\"http://evil\")"}
    )  # fmt: skip
    console.login("viewer")
    rows = list(csv.DictReader(io.StringIO(console.client.get("/queue.csv").text)))
    subject = next(row["subject"] for row in rows if row["ticket"] == "X-1")
    assert subject == '\'=HYPERLINK("http://evil")'


def test_the_queue_page_links_to_its_csv_with_its_filters(history: Console) -> None:
    history.login("viewer")
    page = history.client.get("/?team=tier1&breached=yes")
    assert 'href="/queue.csv?team=tier1&amp;breached=yes"' in page.text
