"""/config over HTTP: who sees and who edits, validation errors with their line, saving a
version (audited, with its diff), CSRF on every form, and the audited recompute."""

from __future__ import annotations

import re

import pytest

from slakeeper.services.tickets import read_ticket
from tests.console.conftest import Console, csrf_of
from tests.service.conftest import EXAMPLE_CONFIG

EVENT = {"id": "e1", "ticket": "T-1", "type": "created", "at": "2026-03-02T09:00:00Z",
         "severity": "P1", "account": "acme", "channel": "slack"}  # fmt: skip
POSTS = ["/config", "/config/validate", "/config/recompute", "/reports/whatif"]


@pytest.fixture
def configured(console: Console) -> Console:
    assert console.service.put_config(EXAMPLE_CONFIG.read_text()).status_code == 201
    return console


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("viewer", "/config", 200),
        ("agent", "/config", 200),
        ("admin", "/config", 200),
        ("ingest", "/config", 403),
        ("viewer", "/config/versions", 200),
        ("viewer", "/config/versions/1", 200),
        ("agent", "/reports", 200),
        ("viewer", "/reports", 200),
        ("ingest", "/reports", 403),
        ("viewer", "/reports/whatif", 403),
        ("admin", "/reports/whatif", 200),
    ],
)
def test_each_page_opens_to_its_roles_only(
    configured: Console, role: str, path: str, status: int
) -> None:
    configured.login(role)
    answer = configured.client.get(path, follow_redirects=False)
    assert answer.status_code == status
    if status == 403:
        assert f"Your role ({role}) may not open this page" in answer.text


def test_the_navigation_offers_reports_and_config_to_readers(configured: Console) -> None:
    configured.login("viewer")
    page = configured.client.get("/").text
    assert '<a href="/reports">Reports</a>' in page and '<a href="/config">Config</a>' in page


def test_the_page_shows_calendars_policies_and_paths(configured: Console) -> None:
    configured.login("viewer")
    page = configured.client.get("/config").text
    # examples/config.yaml: us-support opens 09:00-17:00 on Monday, with US holidays.
    assert re.search(r"<th scope=\"row\">Monday</th><td>09:00-17:00</td>", page)
    assert "Thanksgiving" in page and "(US)" in page  # a holiday set resolved, with names
    assert "2026-11-27</time>: 09:00-13:00" in page  # an override
    # acme-contract extends enterprise: its own P1 first response, the rest inherited.
    matrix = page.split("Targets of acme-contract:")[1].split("</table>")[0]
    assert "<td>10m</td>" in matrix
    assert "inherited from enterprise" in matrix
    assert "2h / 1h" in page  # enterprise P2 first response: SLA / objective
    assert "At 0.75 of the target</strong>:" in page and "assign to team tier2" in page
    assert "Save as new version" not in page  # a viewer gets no edit form


def test_an_admin_sees_the_forms_and_an_agent_may_not_post_them(configured: Console) -> None:
    configured.login("admin")
    assert "Save as new version" in configured.client.get("/config").text
    configured.login("agent")
    token = csrf_of(configured.client.get("/config").text)
    for path in POSTS:
        answer = configured.post(path, csrf_token=token, text="tiers: []", scope="open")
        assert answer.status_code == 403, path
        assert "Your role (agent) may not open this page" in answer.text


@pytest.mark.parametrize("path", POSTS)
def test_a_form_post_without_its_csrf_token_is_refused(configured: Console, path: str) -> None:
    configured.login("admin")
    answer = configured.post(path, text="tiers: []", scope="open")
    assert answer.status_code == 403
    assert "CSRF token is missing" in answer.text


BAD = """\
calendars:
  office:
    timezone: Mars/Olympus
    weekly: 24x7
"""


def test_validate_shows_each_problem_with_its_line_next_to_the_field(configured: Console) -> None:
    configured.login("admin")
    token = csrf_of(configured.client.get("/config").text)
    answer = configured.post("/config/validate", csrf_token=token, text=BAD)
    assert answer.status_code == 422
    problems = answer.text.split('id="config-problems"')[1].split("</div>")[0]
    assert "line 3" in problems and "<code>calendars.office.timezone</code>" in problems
    assert 'aria-invalid="true" aria-describedby="config-problems"' in answer.text
    assert "Mars/Olympus" in answer.text.split('id="config-text"')[1]  # the text is kept
    good = configured.post("/config/validate", csrf_token=token, text=EXAMPLE_CONFIG.read_text())
    assert good.status_code == 200 and "Valid: no problems found." in good.text


def test_an_invalid_save_stores_nothing(configured: Console) -> None:
    configured.login("admin")
    token = csrf_of(configured.client.get("/config").text)
    answer = configured.post("/config", csrf_token=token, text=BAD)
    assert answer.status_code == 422
    versions = configured.service.get("/api/v1/config/versions").json()["items"]
    assert [v["version"] for v in versions] == [1]


def test_save_creates_a_version_with_its_author_and_diff(configured: Console) -> None:
    configured.login("admin")
    token = csrf_of(configured.client.get("/config").text)
    changed = EXAMPLE_CONFIG.read_text().replace("first_response: 10m", "first_response: 12m")
    assert changed != EXAMPLE_CONFIG.read_text()
    answer = configured.post("/config", csrf_token=token, text=changed)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/config/versions/2?saved=1"
    page = configured.client.get(answer.headers["location"]).text
    assert "Saved as version 2" in page and "Stored by user:admin" in page
    removed = re.findall(r'<tr class="diff-removed">.*?<code>(.*?)</code>', page)
    added = re.findall(r'<tr class="diff-added">.*?<code>(.*?)</code>', page)
    assert len(removed) == len(added) == 1  # the one line changed, as written
    assert removed[0].strip().startswith("targets: {P1: {first_response: 10m}}")
    assert added[0].strip().startswith("targets: {P1: {first_response: 12m}}")
    assert '<span class="visually-hidden">added</span>' in page  # a word, not colour alone
    history = configured.client.get("/config/versions").text
    assert re.search(r"Version 2</a></td><td[^>]*>user:admin</td>", history)
    audit = configured.service.get("/api/v1/audit").json()["items"]
    assert {"actor": "user:admin", "action": "config.version", "subject": "2"}.items() <= (
        audit[0].items()
    )
    same = configured.post("/config", csrf_token=token, text=changed)
    assert same.headers["location"] == "/config/versions/2?unchanged=1"


def test_recompute_moves_open_tickets_to_the_newest_version_and_is_audited(
    configured: Console,
) -> None:
    configured.service.post_events([EVENT])
    configured.login("admin")
    token = csrf_of(configured.client.get("/config").text)
    changed = EXAMPLE_CONFIG.read_text().replace("first_response: 10m", "first_response: 12m")
    configured.post("/config", csrf_token=token, text=changed)
    answer = configured.post("/config/recompute", csrf_token=token, scope="open")
    assert answer.status_code == 200
    assert "1 ticket re-evaluated under version 2" in answer.text
    with configured.service.database.read() as connection:
        row, _ = read_ticket(connection, "T-1", configured.service.clock.now())
    assert row.config_version == 2
    entry = configured.service.get("/api/v1/audit").json()["items"][0]
    assert (entry["actor"], entry["action"], entry["subject"]) == (
        "user:admin",
        "recompute",
        "version 2",
    )
    assert entry["detail"]["selection"]["open_only"] is True


def test_recompute_since_a_date_takes_only_tickets_created_since(configured: Console) -> None:
    configured.service.post_events([EVENT])
    configured.login("admin")
    token = csrf_of(configured.client.get("/config").text)
    later = configured.post("/config/recompute", csrf_token=token, scope="since",
                            since="2026-03-03")  # fmt: skip
    assert "0 tickets re-evaluated" in later.text
    earlier = configured.post("/config/recompute", csrf_token=token, scope="since",
                              since="2026-03-02")  # fmt: skip
    assert "1 ticket re-evaluated" in earlier.text
    bad = configured.post("/config/recompute", csrf_token=token, scope="since", since="soon")
    assert bad.status_code == 422 and "since: invalid date" in bad.text


def test_before_any_configuration_the_pages_say_so(console: Console) -> None:
    console.login("admin")
    page = console.client.get("/config")
    assert page.status_code == 200 and "No configuration is stored yet." in page.text
    assert console.client.get("/config/versions").status_code == 200
    assert console.client.get("/config/versions/1").status_code == 404
    reports = console.client.get("/reports")
    assert reports.status_code == 200 and "Nothing in this period." in reports.text
    token = csrf_of(page.text)
    first = console.post("/config", csrf_token=token, text=EXAMPLE_CONFIG.read_text())
    assert first.headers["location"] == "/config/versions/1?saved=1"
    assert (
        "Changes from nothing (the first version)" in console.client.get("/config/versions/1").text
    )
