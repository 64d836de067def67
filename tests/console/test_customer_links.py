"""Customer links (/c/{token}): one account's read-only page, and nothing for a link that
is altered, unknown, expired, revoked or another account's; made and revoked by admins
(CSRF-checked) or with `slakeeper link`."""

from __future__ import annotations

import re

import orjson
import pytest
from sqlalchemy import select

from slakeeper.core.errors import InputError, NotFoundError
from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.customer_links import (
    InvalidLinkError,
    create_customer_link,
    list_customer_links,
    resolve_customer_link,
    revoke_customer_link,
)
from slakeeper.store.auth import AuditEntry
from slakeeper.store.session import Database
from tests.console.conftest import Console, csrf_of
from tests.console.history import CONFIG, NOW, clocks, load
from tests.service.conftest import database, database_url, make_service  # noqa: F401
from tests.service.test_operations import _cli

NOW_US = to_us(parse_instant(NOW))
DAY = 86_400_000_000
SECRET = "k" * 40  # the console fixture's SLAKEEPER_SECRET_KEY


def _link(console: Console, account: str = "acme", **options: object) -> str:
    with console.service.database.write() as connection:
        return create_customer_link(
            connection, account=account, actor="t", now=NOW_US, expires_at=NOW_US + 7 * DAY,
            secret=SECRET, **options,  # type: ignore[arg-type]
        )  # fmt: skip


@pytest.fixture
def history(console: Console) -> Console:
    load(console)
    return console


def _shows_nothing(answer: object, reason: str) -> None:
    text = answer.text  # type: ignore[attr-defined]
    assert answer.status_code == 404  # type: ignore[attr-defined]
    assert reason in text and "It shows nothing." in text
    for secret in ("Acme", "Globex", "A3", "G1", "agent-ana", "Subject of"):
        assert secret not in text


def test_a_customer_link_shows_its_account_and_no_other(history: Console) -> None:
    token = _link(history)
    answer = history.client.get(f"/c/{token}")
    assert answer.status_code == 200
    mine = {c.ticket for c in clocks() if c.account == "acme" and c.open}
    others = {c.ticket for c in clocks() if c.account != "acme"}
    shown = set(re.findall(r'data-ticket="([^"]+)"', answer.text))
    assert shown == mine
    assert not others & set(re.findall(r"\b[A-Z]\d\b", answer.text))
    assert "Service levels for Acme Corp" in answer.text
    assert "90.0%" in answer.text  # the commitment, this period's 60.0% beside it
    assert "60.0%" in answer.text and "Globex" not in answer.text
    assert "agent-ana" not in answer.text and "tier1" not in answer.text  # agents hidden
    assert "1,000" not in answer.text  # the fee is not shown
    assert 'href="/' not in answer.text.replace('href="/static/', "")  # no way into the console
    assert answer.headers["x-robots-tag"].startswith("noindex")
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in answer.headers  # no session for a customer


def test_a_customer_page_shows_the_targets_its_tickets_run_under(history: Console) -> None:
    answer = history.client.get(f"/c/{_link(history)}")
    table = re.search(r'<table class="matrix".*?</table>', answer.text, re.S)
    assert table is not None
    assert "Policy all · calendar always" in table.group(0)
    header = re.findall(r'<th scope="col">(.*?)</th>', table.group(0))
    assert header == ["Severity", "First response", "Resolution"]
    assert re.findall(r"<td[^>]*>(.*?)</td>", table.group(0)) == ["1h", "4h"]
    # A policy no ticket of the account runs under is not the account's: not shown.
    extra = "  - id: globex-only\n    match: {account: globex}\n    calendar: always\n"
    extra += "    targets: {P1: {first_response: 5m}}\n"
    changed = CONFIG.replace("policies:\n", "policies:\n" + extra)
    assert history.service.put_config(changed).status_code == 201
    again = history.client.get(f"/c/{_link(history)}").text
    assert "globex-only" not in again and "5m" not in again and "Policy all" in again


def test_a_link_made_to_show_agents_names_them(history: Console) -> None:
    answer = history.client.get(f"/c/{_link(history, show_agents=True)}")
    assert answer.status_code == 200 and "agent-ana" in answer.text


def test_an_altered_signature_shows_nothing(history: Console) -> None:
    token = _link(history)
    last = "A" if token[-1] != "A" else "B"
    _shows_nothing(history.client.get(f"/c/{token[:-1]}{last}"), "not valid")


def test_an_extended_expiry_shows_nothing(history: Console) -> None:
    link_id, expires, signature = _link(history).split(".")
    later = f"{link_id}.{int(expires) + 86_400}.{signature}"
    _shows_nothing(history.client.get(f"/c/{later}"), "not valid")


def test_another_accounts_link_id_in_a_valid_token_shows_nothing(history: Console) -> None:
    acme = _link(history, "acme")
    globex = _link(history, "globex")
    acme_id, expires, signature = acme.split(".")
    globex_id = globex.split(".")[0]
    assert globex_id != acme_id
    _shows_nothing(history.client.get(f"/c/{globex_id}.{expires}.{signature}"), "not valid")


def test_an_expired_link_shows_nothing_from_its_expiry_on(history: Console) -> None:
    token = _link(history)
    history.service.clock.fixed = NOW_US + 7 * DAY - 1
    assert history.client.get(f"/c/{token}").status_code == 200
    history.service.clock.fixed = NOW_US + 7 * DAY
    _shows_nothing(history.client.get(f"/c/{token}"), "expired")


def test_a_revoked_link_shows_nothing(history: Console) -> None:
    token = _link(history)
    with history.service.database.write() as connection:
        revoke_customer_link(connection, link_id=int(token.split(".")[0]), actor="t", now=NOW_US)
    _shows_nothing(history.client.get(f"/c/{token}"), "revoked")


@pytest.mark.parametrize("token", ["nonsense", "99.1800000000." + "A" * 43, "1.2.3", ""])
def test_a_malformed_or_unknown_token_shows_nothing(history: Console, token: str) -> None:
    answer = history.client.get(f"/c/{token}")
    assert answer.status_code == 404
    assert "Acme" not in answer.text


def test_a_link_signed_with_another_secret_shows_nothing(history: Console) -> None:
    with history.service.database.write() as connection:
        token = create_customer_link(connection, account="acme", actor="t", now=NOW_US,
                                     expires_at=NOW_US + DAY, secret="another secret")  # fmt: skip
    _shows_nothing(history.client.get(f"/c/{token}"), "not valid")


def test_resolve_names_the_account_or_raises(history: Console) -> None:
    token = _link(history, "globex")
    with history.service.database.read() as connection:
        assert resolve_customer_link(connection, token, now=NOW_US, secret=SECRET) == "globex"
        with pytest.raises(InvalidLinkError):
            resolve_customer_link(connection, token, now=NOW_US, secret="other")
        with pytest.raises(InvalidLinkError, match="expired"):
            resolve_customer_link(connection, token, now=NOW_US + 8 * DAY, secret=SECRET)


def test_bad_link_requests_are_refused_naming_the_field(history: Console) -> None:
    with history.service.database.write() as connection:
        with pytest.raises(InputError, match="after now"):
            create_customer_link(connection, account="acme", actor="t", now=NOW_US,
                                 expires_at=NOW_US, secret=SECRET)  # fmt: skip
        with pytest.raises(InputError, match="366 days"):
            create_customer_link(connection, account="acme", actor="t", now=NOW_US,
                                 expires_at=NOW_US + 400 * DAY, secret=SECRET)  # fmt: skip
        with pytest.raises(NotFoundError, match="no live customer link 42"):
            revoke_customer_link(connection, link_id=42, actor="t", now=NOW_US)


def test_an_admin_makes_and_revokes_a_link_in_the_console(history: Console) -> None:
    history.login("admin")
    page = history.client.get("/accounts/acme")
    assert "Customer links" in page.text and "No customer link yet." in page.text
    made = history.post("/accounts/acme/links", days="30", show_agents="yes",
                        csrf_token=csrf_of(page.text))  # fmt: skip
    assert made.status_code == 303
    page = history.client.get("/accounts/acme")
    url = re.search(r'value="http://127\.0\.0\.1:8000(/c/[^"]+)"', page.text)
    assert url is not None
    customer = history.client.get(url[1])
    assert customer.status_code == 200 and "agent-ana" in customer.text
    link_id = int(url[1].split("/")[2].split(".")[0])
    revoked = history.post(f"/accounts/acme/links/{link_id}/revoke", csrf_token=csrf_of(page.text))
    assert revoked.status_code == 303
    assert history.client.get(url[1]).status_code == 404
    assert "revoked" in history.client.get("/accounts/acme").text
    with history.service.database.read() as connection:
        columns = (AuditEntry.action, AuditEntry.actor, AuditEntry.subject, AuditEntry.detail)
        entries = connection.execute(select(*columns)).all()
    audited = [(a, actor, s) for a, actor, s, _ in entries if a.startswith("customer_link")]
    assert audited == [("customer_link.create", "user:admin", "acme"),
                       ("customer_link.revoke", "user:admin", "acme")]  # fmt: skip
    assert orjson.loads(entries[-1].detail) == {"id": link_id}


def test_link_forms_without_their_csrf_token_are_refused(history: Console) -> None:
    history.login("admin")
    refused = history.post("/accounts/acme/links", days="30")
    assert refused.status_code == 403 and "CSRF" in refused.text
    token = _link(history)
    link_id = token.split(".")[0]
    refused = history.post(f"/accounts/acme/links/{link_id}/revoke")
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert history.client.get(f"/c/{token}").status_code == 200  # still live
    with history.service.database.read() as connection:
        assert len(list_customer_links(connection, account="acme", secret=SECRET)) == 1


def test_only_admins_make_or_revoke_links(history: Console) -> None:
    token = _link(history)
    history.login("agent")
    page = history.client.get("/accounts/acme")
    assert "Create customer link" not in page.text
    csrf = csrf_of(page.text)
    assert history.post("/accounts/acme/links", days="30", csrf_token=csrf).status_code == 403
    link_id = token.split(".")[0]
    revoke = history.post(f"/accounts/acme/links/{link_id}/revoke", csrf_token=csrf)
    assert revoke.status_code == 403


def test_a_link_is_revoked_only_through_its_own_account(history: Console) -> None:
    token = _link(history, "acme")
    history.login("admin")
    page = history.client.get("/accounts/globex")
    link_id = token.split(".")[0]
    answer = history.post(f"/accounts/globex/links/{link_id}/revoke", csrf_token=csrf_of(page.text))
    assert answer.status_code == 404
    assert history.client.get(f"/c/{token}").status_code == 200


def test_the_link_commands_make_list_and_revoke(
    database: Database,  # noqa: F811
    database_url: str,  # noqa: F811
) -> None:
    made = _cli("link", "create", "acme", "--days", "3", url=database_url)
    assert made.returncode == 0, made.stderr
    url = made.stdout.strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/c/1\.\d+\.[A-Za-z0-9_-]{43}", url)
    listed = _cli("link", "list", "acme", url=database_url).stdout
    assert listed.startswith("1\tacme\tlive\t") and url in listed and "agents hidden" in listed
    assert _cli("link", "list", "globex", url=database_url).stdout == ""
    # The service signs with the same key (kept in the database): the printed URL opens.
    service = make_service(database, database_url, "2026-12-04T10:00:00Z")
    with service.client:
        service.clock.fixed = None  # the wall clock, as the CLI's
        path = url.removeprefix("http://127.0.0.1:8000")
        assert service.client.get(path).status_code == 200
        assert _cli("link", "revoke", "1", url=database_url).stdout.strip() == (
            "link 1 for 'acme' revoked"
        )
        assert service.client.get(path).status_code == 404
    again = _cli("link", "revoke", "1", url=database_url)
    assert again.returncode == 2 and "id: no live customer link 1" in again.stderr
    long = _cli("link", "create", "acme", "--days", "400", url=database_url)
    assert long.returncode == 2


def test_a_policy_for_some_severities_promises_only_those() -> None:
    from slakeeper.config.documents import parse_document
    from slakeeper.config.loading import load_config_document
    from slakeeper.services.config_summaries import target_matrices
    from slakeeper.services.customer_pages import _customer_targets

    p1 = "  - id: p1-always\n    extends: all\n    match: {severity: P1}\n    calendar: always\n"
    text = CONFIG.replace("policies:\n", "policies:\n" + p1).replace(
        "P1: {first_response: 1h, resolution: 4h}",
        "P1: {first_response: 1h, resolution: 4h}\n      P2: {resolution: 8h}",
    )
    config = load_config_document(parse_document(text, "<test>"))
    shown = {m.policy.id: _customer_targets(m) for m in target_matrices(config, None)}
    assert [severity for severity, _ in shown["p1-always"].rows] == ["P1"]
    assert [severity for severity, _ in shown["all"].rows] == ["P1", "P2"]
