"""Alembic migrations of the hotline database (SQLite and PostgreSQL); run them with ``hotline db upgrade``."""
