"""Storage: SQLAlchemy 2 models by aggregate, sessions, and Alembic migrations.

Instants are stored as integer microseconds since the Unix epoch, UTC (``BigInteger``):
exact, the core's own unit, and the same on SQLite and PostgreSQL.
"""

from slakeeper.store.base import Base
from slakeeper.store.session import Database, create_database

__all__ = ["Base", "Database", "create_database"]
