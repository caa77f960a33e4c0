"""Sponsorship-inquiry load generator: concurrent senders posting valid inquiries.

Each sender is a thread with its own keep-alive http.client connection (gunicorn's sync
workers close it after every response; http.client then reconnects by itself, as a
browser would). A sender GETs /sponsoring before each inquiry, as a person would: the
session cookie (which holds the CSRF secret) and the form's hidden `csrf_token` and
`started` values come from it, and `started` names one submission (the app stores one
inquiry per rendered form: a repeat only gets the thanks again). It posts one inquiry
after another, each with a new email address, until the time is up. Every POST's
latency is recorded; the GET before it is not part of it.

A POST is *accepted* when the app answers 303 to /sponsoring/merci: the inquiry is
committed before that redirect is sent, so after the run the number of rows in the
database must equal the number of accepted posts. Every other answer is counted by
status (a 503 under SQLite write contention is allowed and reported; a 500 never is),
and failures to get an answer at all by exception name.

The numbers measure the server through a Python client running on the same cores as
gunicorn: the client's own CPU time (and the GIL) is part of what is measured, so the
absolute figures are lower than an external load generator would see.
"""

from __future__ import annotations

import http.client
import itertools
import math
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

FORM_PATH = "/sponsoring"
THANKS_PATH = "/sponsoring/merci"
REQUEST_TIMEOUT_S = 30
TABLE = "sponsorship_inquiry"

KINDS = ("article", "rubrique", "newsletter", "evenement", "autre")
BUDGETS = ("moins-2k", "2k-5k", "5k-15k", "15k-50k", "plus-50k", "a-definir")
SENDERS = (
    ("Hélène Dupré", "Brasserie de l’Étoile"),
    ("François Lefèvre", "Éditions du Château d’Eau"),
    ("Zoë Müller-Garçon", "Coopérative des Forêts Françaises"),
    ("Noël Bénard", "Théâtre de la Cité — Scène nationale"),
)
MESSAGES = (
    "Bonjour, nous aimerions parrainer une série d’articles consacrée à l’économie "
    "sociale et solidaire en région, à l’automne prochain. Pourriez-vous nous envoyer "
    "vos conditions et le calendrier éditorial envisagé ?",
    "Notre festival fête ses vingt ans : nous souhaiterions être présents dans votre "
    "lettre d’information pendant les trois semaines qui précèdent l’événement. Quels "
    "formats proposez-vous, et à quel tarif ?",
    "Nous cherchons à associer notre nom à une rubrique « Sciences & société » — "
    "indépendance éditoriale garantie, évidemment. Pouvons-nous en discuter de vive voix ?",
)


# --------------------------------------------------------------------------- results


@dataclass
class InquiryResult:
    database: str
    senders: int
    duration_s: float  # from the first POST to the last answer
    posts: int  # POSTs that got an answer or failed
    submissions_per_s: float  # posts / duration_s
    p50_ms: float
    p99_ms: float
    accepted: int  # 303 to /sponsoring/merci
    stored: int  # rows added to the table during the run
    other: dict[str, int] = field(default_factory=dict)  # status (or error) -> count
    stored_by_status: dict[str, int] = field(default_factory=dict)
    warmup: dict = field(default_factory=dict)  # the same check for the warm-up phase

    @property
    def mismatch(self) -> bool:
        return self.accepted != self.stored or self.warmup.get("accepted") != self.warmup.get(
            "stored"
        )

    @property
    def server_errors(self) -> int:
        """5xx other than 503 ("busy, retry"), warm-up included: these must never happen."""
        answers = Counter(self.other) + Counter(self.warmup.get("other", {}))
        return sum(n for key, n in answers.items() if key.startswith("5") and key != "503")


@dataclass
class PhaseStats:
    """What the senders saw during one phase (warm-up or measured run)."""

    latencies_s: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)  # "accepted", "422", "error:…"
    elapsed_s: float = 0.0

    @property
    def accepted(self) -> int:
        return self.outcomes["accepted"]

    @property
    def other(self) -> dict[str, int]:
        return {key: n for key, n in sorted(self.outcomes.items()) if key != "accepted"}


def percentile_ms(samples: list[float], percent: float) -> float:
    """Nearest-rank percentile of latencies in seconds, in milliseconds."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(math.ceil(percent / 100 * len(ordered)), 1)
    return ordered[rank - 1] * 1000


# --------------------------------------------------------------------------- one sender


class HiddenInputs(HTMLParser):
    """Collects the values of the form's <input type="hidden"> fields by name."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value") or ""


class Sender:
    """One simulated sponsor: a connection, a session cookie, the form's hidden values."""

    def __init__(self, number: int, host: str, port: int):
        self.number = number
        self.connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_S)
        self.cookies: dict[str, str] = {}
        self.hidden: dict[str, str] = {}
        self.sent = itertools.count()

    def open_form(self) -> None:
        """GET the form once: its session cookie and hidden inputs serve every POST."""
        status, _headers, body = self.request("GET", FORM_PATH)
        parser = HiddenInputs()
        parser.feed(body.decode("utf-8", "replace"))
        self.hidden = parser.values
        missing = {"csrf_token", "started"} - self.hidden.keys()
        if status != 200 or missing or not self.cookies:
            raise RuntimeError(
                f"formulaire de sponsoring inutilisable (statut {status}, "
                f"champs manquants : {sorted(missing)}, cookies : {sorted(self.cookies)})"
            )

    def next_form(self) -> bool:
        """A freshly rendered form (a new `started` nonce) for the next inquiry; False when
        the GET got no usable form (the connection is then started afresh)."""
        try:
            self.open_form()
        except (OSError, http.client.HTTPException, RuntimeError):
            self.connection.close()
            return False
        return True

    def post_inquiry(self) -> str:
        """Post one valid inquiry; 'accepted', the status code, or 'error:<exception>'."""
        try:
            status, headers, _body = self.request(
                "POST",
                FORM_PATH,
                body=urllib.parse.urlencode(self.inquiry_fields()),
                content_type="application/x-www-form-urlencoded",
            )
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()  # start the next request on a fresh connection
            return f"error:{type(error).__name__}"
        location = urllib.parse.urlsplit(headers.get("Location", "")).path
        return "accepted" if status == 303 and location == THANKS_PATH else str(status)

    def inquiry_fields(self) -> dict[str, str]:
        n = next(self.sent)
        name, organisation = SENDERS[(self.number + n) % len(SENDERS)]
        return {
            "csrf_token": self.hidden["csrf_token"],
            "started": self.hidden["started"],
            "name": name,
            "organisation": organisation,
            "email": f"sponsor-{self.number}-{n}@bench.gazette.fr",  # the per-email limit
            "phone": "+33 1 23 45 67 89" if n % 2 else "",
            "kind": KINDS[n % len(KINDS)],
            "budget": BUDGETS[n % len(BUDGETS)],
            "period": "premier trimestre 2027" if n % 3 else "",
            "message": MESSAGES[n % len(MESSAGES)],
            "consent": "y",
            "website": "",  # the honeypot people never see
        }

    def request(self, method: str, path: str, body: str | None = None, content_type=None):
        """One request on the kept-alive connection; the session cookie follows along."""
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()  # read it all, or the connection cannot be reused
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.status, response.headers, payload

    def close(self) -> None:
        self.connection.close()


# --------------------------------------------------------------------------- the run


def open_senders(base_url: str, count: int) -> list[Sender]:
    address = urllib.parse.urlsplit(base_url)
    senders = [Sender(number, address.hostname, address.port) for number in range(count)]
    for sender in senders:
        sender.open_form()
    return senders


def run_phase(senders: list[Sender], duration_s: float) -> PhaseStats:
    """All senders post as fast as they get answers for `duration_s`, started together."""
    stats = PhaseStats()
    lock = threading.Lock()
    start_line = threading.Barrier(len(senders) + 1)
    deadline = 0.0

    def send_until_deadline(sender: Sender) -> None:
        latencies, outcomes = [], Counter()
        start_line.wait()
        while time.perf_counter() < deadline:
            if not sender.next_form():
                outcomes["error:form"] += 1
                continue
            began = time.perf_counter()
            outcomes[sender.post_inquiry()] += 1
            latencies.append(time.perf_counter() - began)
        with lock:
            stats.latencies_s.extend(latencies)
            stats.outcomes.update(outcomes)

    threads = [threading.Thread(target=send_until_deadline, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + duration_s
    start_line.wait()  # set the deadline before anyone reads it
    for thread in threads:
        thread.join()
    stats.elapsed_s = time.perf_counter() - began
    return stats


def measure_inquiries(
    database: str,
    base_url: str,
    *,
    senders: int,
    duration_s: float,
    warmup_s: float,
    count_rows,
) -> InquiryResult:
    """Warm-up then measured run; `count_rows()` -> {status: rows} read from the database."""
    clients = open_senders(base_url, senders)
    try:
        before = count_rows()
        warmup = run_phase(clients, warmup_s) if warmup_s else PhaseStats()
        after_warmup = count_rows()
        measured = run_phase(clients, duration_s)
        after = count_rows()
    finally:
        for client in clients:
            client.close()
    posts = len(measured.latencies_s)
    return InquiryResult(
        database=database,
        senders=senders,
        duration_s=round(measured.elapsed_s, 3),
        posts=posts,
        submissions_per_s=round(posts / measured.elapsed_s, 2) if measured.elapsed_s else 0.0,
        p50_ms=round(percentile_ms(measured.latencies_s, 50), 2),
        p99_ms=round(percentile_ms(measured.latencies_s, 99), 2),
        accepted=measured.accepted,
        stored=total(after) - total(after_warmup),
        other=measured.other,
        stored_by_status=difference(after, after_warmup),
        warmup={
            "duration_s": round(warmup.elapsed_s, 3),
            "accepted": warmup.accepted,
            "stored": total(after_warmup) - total(before),
            "other": warmup.other,
        },
    )


def total(rows_by_status: dict[str, int]) -> int:
    return sum(rows_by_status.values())


def difference(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {
        status: after.get(status, 0) - before.get(status, 0)
        for status in sorted(after)
        if after.get(status, 0) != before.get(status, 0)
    }


# --------------------------------------------------------------------------- counting rows

COUNT_BY_STATUS = f"SELECT status, count(*) FROM {TABLE} GROUP BY status"


def sqlite_row_counter(db_path: str):
    """count_rows() for a SQLite file, read with the sqlite3 module (not through the app)."""
    import sqlite3

    def count_rows() -> dict[str, int]:
        connection = sqlite3.connect(db_path, timeout=30)
        try:
            return dict(connection.execute(COUNT_BY_STATUS).fetchall())
        finally:
            connection.close()

    return count_rows


def postgres_row_counter(url: str):
    """count_rows() for a PostgreSQL database, read with psycopg (not through the app)."""
    import psycopg

    def count_rows() -> dict[str, int]:
        with psycopg.connect(url) as connection:
            return dict(connection.execute(COUNT_BY_STATUS).fetchall())

    return count_rows
