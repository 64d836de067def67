"""Configuration versions: every accepted change, with its author and a diff."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slakeeper.store.base import Base, Micros

__all__ = ["ConfigVersion"]


class ConfigVersion(Base):
    """One version of the configuration; ``number`` counts from 1."""

    __tablename__ = "config_versions"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)  # as the author wrote it (YAML or JSON)
    canonical: Mapped[str] = mapped_column(Text)  # sorted-key JSON: what "differs" compares
    digest: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[int] = mapped_column(Micros)
    diff: Mapped[str] = mapped_column(Text, default="")  # against the previous version
