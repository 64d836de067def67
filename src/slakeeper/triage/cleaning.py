"""Text cleaning for what real ticket exports contain.

HTML (tags, entities), Excel's ``_x000D_`` line-break artefacts, quoted replies, e-mail
signatures, and the tokens that carry no meaning of their own (e-mail addresses, URLs,
numbers, hex ids) replaced by placeholders. Any language: Unicode is normalised (NFKC)
and case-folded, letters of every script are kept.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["clean_text", "join_text"]

_X000D = re.compile(r"_x000[dDaA]_")
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|p|div|li|tr)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]{0,400}>")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# A reply header ("On Mon, ... wrote:", "-----Original Message-----", "From: ... Sent: ...")
# starts the quoted part, which repeats an older message: drop from there on.
_REPLY = re.compile(
    r"^\s*(on\b.{0,200}\bwrote:|-{2,}\s*original message\s*-{2,}|from:\s.*$\n^\s*(sent|date):)",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNATURE = re.compile(
    r"^\s*(--\s*$|(best|kind|warm)?\s*regards\b|thanks( and| &) regards\b|sent from my\b|"
    r"cheers,?\s*$|mit freundlichen gr|cordialement\b|saludos\b|cordiali saluti\b)",
    re.IGNORECASE | re.MULTILINE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_URL = re.compile(r"\b(https?://|www\.)\S+", re.IGNORECASE)
# Ids and numbers standing alone; digits inside words (windows10, ipv6, office365) stay.
_HEX = re.compile(r"\b(0x[0-9a-f]+|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,})\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<!\w)\d+([.,:/-]\d+)*(?!\w)")
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """One ticket text, cleaned and case-folded, ready for the vectorisers."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", _X000D.sub("\n", text))
    if "<" in text:
        text = _TAGS.sub(" ", _BREAKS.sub("\n", _SCRIPT.sub(" ", text)))
    text = html.unescape(text)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    text = _cut(_cut(text, _REPLY), _SIGNATURE)
    text = _URL.sub(" urltoken ", text)
    text = _EMAIL.sub(" emailtoken ", text)
    text = _HEX.sub(" hextoken ", text)
    text = _NUMBER.sub(" 0 ", text)
    return _SPACE.sub(" ", text).strip().casefold()


def join_text(parts: list[str]) -> str:
    """Several text columns (subject, description) as one text, the first one first."""
    return " \n ".join(part for part in parts if part)


def _cut(text: str, marker: re.Pattern[str]) -> str:
    # Keep what comes before the marker, unless the marker opens the text (then the
    # whole text is the quote or signature and nothing better is left to keep).
    found = marker.search(text)
    if found is None or found.start() < 20:
        return text
    return text[: found.start()]
