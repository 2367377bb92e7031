"""Test helpers that reach under the application, as someone with database access would."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def triggers_off():
    """Replica mode fires no trigger (PostgreSQL): lets a test write what the books' triggers
    refuse, e.g. to plant a tampered or an old-style payout of an approved run."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
