"""Many senders at once against a live server: every acknowledged inquiry is stored, and
copies of one submission arriving at the same instant are stored once."""

from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from models import db
from models.sponsorship import OutboxMessage, SponsorshipInquiry
from tests.e2e.conftest import live_server  # noqa: F401  (the fixture)
from tests.sponsorship_factories import form_data

SENDERS = 16
SUBMISSIONS = 64


def submit(base_url: str, body: str, barrier: threading.Barrier | None = None, htmx=False):
    """One sender posting the form as a browser without JavaScript would (or with htmx);
    the HTTP status (303 only for the redirect to the thanks). With a barrier, the request
    is connected and waits so that all copies leave at the same instant."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.connect()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if htmx:
        headers["HX-Request"] = "true"
    if barrier is not None:
        barrier.wait(timeout=30)
    connection.request("POST", "/sponsoring", body=body, headers=headers)
    response = connection.getresponse()
    content = response.read()
    connection.close()
    if htmx:
        thanked = response.status == 200 and b'class="inquiry-thanks' in content
        return 200 if thanked else response.status
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


COPIES = 8


@pytest.mark.parametrize("htmx", [False, True], ids=["without-htmx", "with-htmx"])
def test_copies_of_one_submission_at_the_same_instant_are_stored_once(app, live_server, htmx):  # noqa: F811
    app.config.update(SPONSORSHIP_MIN_FILL_SECONDS=0)
    body = urlencode(form_data())
    barrier = threading.Barrier(COPIES)
    with ThreadPoolExecutor(max_workers=COPIES) as pool:
        statuses = list(
            pool.map(lambda _n: submit(live_server, body, barrier, htmx=htmx), range(COPIES))
        )
    # Every copy gets the same thanks; one inquiry, one notification.
    assert statuses == [200 if htmx else 303] * COPIES
    assert db.session.scalar(select(func.count()).select_from(SponsorshipInquiry)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
