"""Text cleaning of what real exports contain."""

from __future__ import annotations

from slakeeper.triage.cleaning import clean_text


def test_html_tags_and_entities_are_removed() -> None:
    assert clean_text("<p>Printer&nbsp;<b>jammed</b> &amp; stuck</p>") == "printer jammed & stuck"


def test_excel_line_break_artefacts_become_spaces() -> None:
    assert clean_text("line one_x000D_\nline two") == "line one line two"


def test_emails_urls_and_numbers_are_normalised() -> None:
    text = clean_text("Mail jane.doe@example.com see https://x.org/a?b=1 error 404 at 10:32")
    assert text == "mail emailtoken see urltoken error 0 at 0"


def test_quoted_reply_and_signature_are_dropped() -> None:
    text = "The VPN drops every hour since Monday.\n\nBest regards,\nJane\n> old quoted text"
    assert clean_text(text) == "the vpn drops every hour since monday."
    reply = "Still broken after the update, please look.\nOn Mon, 3 Jun, Bob wrote:\nold"
    assert "old" not in clean_text(reply).split()


def test_any_script_is_kept_and_case_folded() -> None:
    assert (
        clean_text("Drucker STRASSE \uff26\uff55\uff4c\uff4c 打印机坏了")
        == "drucker strasse full 打印机坏了"
    )


def test_digits_inside_words_are_kept_and_long_hex_ids_replaced() -> None:
    assert clean_text("Windows10 ipv6 build deadbeef12 port 8080") == (
        "windows10 ipv6 build hextoken port 0"
    )
