"""Sponsorship: where the author bio's "contactez-nous" leads."""

from flask import Blueprint, render_template

bp = Blueprint("sponsorship", __name__)


@bp.get("/sponsoring")
def inquiry():
    """The newsroom's sponsorship contacts."""
    return render_template("sponsorship/inquiry.html")
