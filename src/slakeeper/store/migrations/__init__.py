"""Alembic migrations of the store (``slakeeper db upgrade`` applies them)."""
