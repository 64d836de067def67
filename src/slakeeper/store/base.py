"""The declarative base, with a naming convention so migrations name constraints stably."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

__all__ = ["Base", "Micros", "SerialId"]

# A BigInteger primary key that is SQLite's ROWID alias there (so it autoincrements).
SerialId = BigInteger().with_variant(Integer(), "sqlite")
# Instants and durations: integer microseconds (UTC for instants).
Micros = BigInteger

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table."""

    metadata = MetaData(naming_convention=NAMING)
