"""Test helpers for sponsorship inquiries: a valid form submission and stored inquiries."""

from __future__ import annotations

import itertools
from datetime import timedelta

from itsdangerous import TimestampSigner

from models import db
from models.sponsorship import InquiryStatus, SponsorshipInquiry
from models.time import utcnow
from views.sponsorship_forms import sign_start_time

_counter = itertools.count(1)


def started_seconds_ago(seconds: int) -> str:
    """A genuine signed start time, as if the form had been shown `seconds` ago."""
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: original(self) - seconds
    try:
        return sign_start_time()
    finally:
        TimestampSigner.get_timestamp = original


def form_data(**overrides) -> dict:
    """What a person fills in, shown the form a minute ago."""
    data = {
        "name": "Zoé Lefèvre",
        "organisation": "Énergies Réunies",
        "email": "zoe@energies.example",
        "phone": "+33 6 12 34 56 78",
        "kind": "article",
        "budget": "5k-15k",
        "period": "Automne 2026",
        "message": "Nous aimerions parrainer une série d’articles sur la transition énergétique.",
        "consent": "y",
        "website": "",
        "started": started_seconds_ago(60),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def make_inquiry(age=timedelta(0), **fields) -> SponsorshipInquiry:
    n = next(_counter)
    created = utcnow() - age
    inquiry = SponsorshipInquiry(
        name=fields.pop("name", f"Personne {n}"),
        organisation=fields.pop("organisation", f"Organisation {n}"),
        email=fields.pop("email", f"contact{n}@exemple.fr"),
        kind=fields.pop("kind", "article"),
        budget=fields.pop("budget", "2k-5k"),
        message=fields.pop("message", "Un projet de sponsoring à discuter ensemble."),
        status=fields.pop("status", InquiryStatus.NEW),
        created_at=created,
        status_changed_at=fields.pop("status_changed_at", created),
        consent_at=created,
        **fields,
    )
    db.session.add(inquiry)
    db.session.commit()
    return inquiry
