"""Shared fixtures: one small demo town built once per test session.

Each test runs inside a transaction that is rolled back, so tests see the demo as built
and never each other's writes.  Tests that need real commits (live server, concurrency)
use ``transactional_db`` and rebuild what they need through ``demo_world``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

DEMO_HOUSEHOLDS = 64  # 4 per former village: enough for every scoping case, fast to build


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    from django.db import connection

    from povcensus.devtools.demo import demo_build

    with django_db_blocker.unblock():
        demo_build(households=DEMO_HOUSEHOLDS, seed=11)
    yield
    # Browser tests leave a live-server request thread's connection behind on PostgreSQL;
    # end it so the test database can be dropped (runs before pytest-django's teardown).
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@dataclass
class World:
    campaign: Any

    def user(self, username: str) -> Any:
        from povcensus.accounts.models import User

        return User.objects.get(username=username)


@pytest.fixture
def world(db: Any) -> World:
    from povcensus.campaign.models import Campaign
    from povcensus.devtools.demo import DEMO_CAMPAIGN_CODE

    return World(campaign=Campaign.objects.get(code=DEMO_CAMPAIGN_CODE))


@pytest.fixture
def demo_world(transactional_db: Any) -> World:
    """The demo town in a committed database (for live-server and concurrency tests)."""
    from povcensus.campaign.models import Campaign
    from povcensus.devtools.demo import DEMO_CAMPAIGN_CODE, demo_build

    if not Campaign.objects.filter(code=DEMO_CAMPAIGN_CODE).exists():
        demo_build(households=DEMO_HOUSEHOLDS, seed=11)
        # The rebuilt demo has new row ids (the flush does not reuse them): drop the
        # per-process caches keyed by ids of the demo as it was.
        from povcensus.collection.openrosa.auth import forget_cached_users
        from povcensus.collection.services import forget_form_shapes

        forget_form_shapes()
        forget_cached_users()
    return World(campaign=Campaign.objects.get(code=DEMO_CAMPAIGN_CODE))


@pytest.fixture
def client_for(client: Any) -> Any:
    """Return a function that signs ``client`` in as a demo user."""

    def sign_in(username: str) -> Any:
        from povcensus.accounts.models import User

        client.force_login(User.objects.get(username=username))
        return client

    return sign_in
