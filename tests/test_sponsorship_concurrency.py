"""Many senders at once against a live server: every acknowledged inquiry is stored."""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, select

from models import db
from models.sponsorship import OutboxMessage, SponsorshipInquiry
from tests.e2e.conftest import live_server  # noqa: F401  (the fixture)
from tests.sponsorship_factories import form_data

SENDERS = 16
SUBMISSIONS = 64


def submit(base_url: str, body: str) -> int:
    """One sender posting the form as a browser without JavaScript would; the HTTP status."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.request(
        "POST",
        "/sponsoring",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    acknowledged = response.status == 303 and response.getheader("Location") == "/sponsoring/merci"
    return 303 if acknowledged else response.status


def test_stored_equals_acknowledged_under_concurrent_submissions(app, live_server):  # noqa: F811
    app.config.update(
        SPONSORSHIP_MIN_FILL_SECONDS=0,
        SPONSORSHIP_LIMIT_PER_ADDRESS="100000 per hour",
        SPONSORSHIP_LIMIT_PER_EMAIL="100000 per hour",
    )
    bodies = [
        urlencode(form_data(email=f"sender{n}@exemple.fr", name=f"Expéditeur {n}"))
        for n in range(SUBMISSIONS)
    ]
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        statuses = list(pool.map(lambda body: submit(live_server, body), bodies))

    acknowledged = statuses.count(303)
    # Anything else must be the honest "not stored, try again" answer, never a 500.
    assert set(statuses) <= {303, 503}
    assert acknowledged > 0
    stored = db.session.scalar(select(func.count()).select_from(SponsorshipInquiry))
    notifications = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert stored == acknowledged
    assert notifications == acknowledged  # each stored inquiry has its email queued
