"""Throw-away PostgreSQL databases for tests, on the server of ``UCJ_TEST_POSTGRES_URL``.

The default is the local server CI starts (127.0.0.1:5432, user postgres, trust auth). When it
cannot be reached the tests are skipped with the reason, unless ``UCJ_REQUIRE_POSTGRES=1``
makes that a failure (as CI should).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg2
import pytest
from ucj import stack

ADMIN_URL = os.environ.get("UCJ_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def url_for(database: str, user: str | None = None, base: str = ADMIN_URL) -> str:
    """``base`` with another database (and user, password dropped)."""
    return stack.url_for(database, base, user)


def admin_connection():
    try:
        conn = psycopg2.connect(ADMIN_URL, connect_timeout=5)
    except psycopg2.OperationalError as e:
        if os.environ.get("UCJ_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL not reachable ({urlsplit(ADMIN_URL).hostname}): {e}")
    conn.autocommit = True
    return conn


@contextmanager
def scratch_database():
    """Create ``ucj_test_<random>``, yield its URL, drop it (and its sessions) afterwards."""
    with stack.scratch_database(admin_connection(), ADMIN_URL, "ucj_test") as url:
        yield url
