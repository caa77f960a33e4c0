"""Editing benchmark: the save round trip of a paragraph edit, with and without read load.

One logged-in editor works on one paragraph of the demo article, as the browser does it:
GET the block's form partial (HX-Request: true) for its csrf_token and version, then POST
the edited text (HX-Request: true) and read the returned display partial to the end. Only
the POST is timed, from sending it to the last byte of the partial. Each save bumps the
block's version, so the next form is fetched afresh: a conflict (409) would mean the
benchmark itself is wrong, and is reported as such.

Two phases of the same length: the editor alone ("idle"), then the editor while wrk reads
the article page over many connections ("under read load", which is what issue 3's target
is about: p50 under 25 ms). Each save invalidates the cached article page, so the readers
of the second phase keep re-rendering it, as they would in a newsroom on a busy day.

The app runs under the shipped gunicorn config (deploy/gunicorn.conf.py, BENCH_WORKERS
workers, no access log, page cache on), once sans Redis and once avec Redis (bench/run.py,
run_sqlite): both rows are printed, with issue 16's target (p50 <= 25 ms under read load)
marked "met" or "NOT MET". Nothing fails on a timing.

The editor is a Python client on the same cores as gunicorn and wrk: its own CPU time is
part of every number here.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from inquiries import HiddenInputs, percentile_ms

EDITOR_EMAIL = "ed@example.fr"
EDITOR_PASSWORD = "banc-d-essai-redaction-2026"
LOGIN_PATH = "/connexion"
REQUEST_TIMEOUT_S = 30
# The read load starts this long before the measured saves and ends this long after them.
READ_LOAD_MARGIN_S = 1
EDIT_BUTTON = re.compile(
    r'aria-label="Modifier ce paragraphe" hx-get="(/redaction/blocs/(\d+)/modifier)"'
)
TARGET_P50_MS = 25.0  # under read load (issues 3 and 16)
EDITS = (
    "Le sommet s’est ouvert <strong>mardi</strong> dans une atmosphère tendue.",
    'Le sommet s’est ouvert mardi, selon <a href="https://exemple.fr/agence">l’agence</a>.',
    "Le sommet s’est ouvert mardi ; <em>aucune déclaration commune</em> n’est attendue.",
)


@dataclass
class EditingResult:
    phase: str  # "idle" or "under read load"
    saves: int
    duration_s: float
    saves_per_s: float
    p50_ms: float
    p99_ms: float
    form_p50_ms: float  # the GET of the form partial before each save, for scale
    other: dict[str, int] = field(default_factory=dict)  # non-200 saves, by status
    read: dict = field(default_factory=dict)  # wrk on the article page during the saves
    config: str = ""  # "sans Redis" or "avec Redis"


class Editor:
    """One logged-in editor on one keep-alive connection, with a session cookie."""

    def __init__(self, base_url: str):
        address = urllib.parse.urlsplit(base_url)
        self.connection = http.client.HTTPConnection(
            address.hostname, address.port, timeout=REQUEST_TIMEOUT_S
        )
        self.cookies: dict[str, str] = {}

    def log_in(self) -> None:
        status, _, body = self.request("GET", LOGIN_PATH)
        token = hidden_inputs(body).get("csrf_token")
        fields = {"email": EDITOR_EMAIL, "password": EDITOR_PASSWORD, "csrf_token": token or ""}
        status, headers, _ = self.request("POST", LOGIN_PATH, form=fields)
        if status != 302 or "session" not in "".join(self.cookies):
            raise RuntimeError(f"connexion de l’éditeur refusée (statut {status})")

    def first_paragraph(self, article_path: str) -> tuple[int, str]:
        """The id and form path of the article's first paragraph, from its edit button."""
        status, _, body = self.request("GET", article_path)
        match = EDIT_BUTTON.search(body.decode("utf-8", "replace"))
        if status != 200 or match is None:
            raise RuntimeError(f"aucun paragraphe modifiable sur {article_path} ({status})")
        return int(match[2]), match[1]

    def open_form(self, form_path: str) -> dict[str, str]:
        """The form partial's hidden inputs: csrf_token and bloc<id>-version."""
        status, _, body = self.request("GET", form_path, htmx=True)
        if status != 200:
            raise RuntimeError(f"formulaire du paragraphe : statut {status}")
        return hidden_inputs(body)

    def save(self, block_id: int, hidden: dict[str, str], html: str) -> tuple[int, float]:
        """POST the paragraph; (status, seconds until the returned partial was read)."""
        fields = {**hidden, f"bloc{block_id}-html": html}
        began = time.perf_counter()
        status, _, _ = self.request("POST", f"/redaction/blocs/{block_id}", form=fields, htmx=True)
        return status, time.perf_counter() - began

    def request(self, method: str, path: str, form: dict | None = None, htmx: bool = False):
        headers = {"Accept": "text/html"}
        if htmx:
            headers["HX-Request"] = "true"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()  # the whole partial: part of the round trip
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.status, response.headers, payload

    def close(self) -> None:
        self.connection.close()


def hidden_inputs(body: bytes) -> dict[str, str]:
    parser = HiddenInputs()
    parser.feed(body.decode("utf-8", "replace"))
    return parser.values


@dataclass
class Phase:
    save_latencies_s: list[float] = field(default_factory=list)
    form_latencies_s: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    elapsed_s: float = 0.0


def edit_repeatedly(editor: Editor, block_id: int, form_path: str, duration_s: float) -> Phase:
    """Open the form, save an edit, again and again, for `duration_s`."""
    phase = Phase()
    began = time.perf_counter()
    n = 0
    while time.perf_counter() - began < duration_s:
        form_began = time.perf_counter()
        hidden = editor.open_form(form_path)  # a fresh version and token for each save
        phase.form_latencies_s.append(time.perf_counter() - form_began)
        status, latency = editor.save(block_id, hidden, f"{EDITS[n % len(EDITS)]} ({n})")
        phase.save_latencies_s.append(latency)
        phase.outcomes["saved" if status == 200 else str(status)] += 1
        n += 1
    phase.elapsed_s = time.perf_counter() - began
    return phase


def result(name: str, phase: Phase, read: dict | None = None, config: str = "") -> EditingResult:
    saves = len(phase.save_latencies_s)
    return EditingResult(
        phase=name,
        saves=saves,
        duration_s=round(phase.elapsed_s, 3),
        saves_per_s=round(saves / phase.elapsed_s, 2) if phase.elapsed_s else 0.0,
        p50_ms=round(percentile_ms(phase.save_latencies_s, 50), 2),
        p99_ms=round(percentile_ms(phase.save_latencies_s, 99), 2),
        form_p50_ms=round(percentile_ms(phase.form_latencies_s, 50), 2),
        other={key: n for key, n in phase.outcomes.items() if key != "saved"},
        read=read or {},
        config=config,
    )


def create_editor(flask_binary: Path, root: Path, env: dict[str, str]) -> None:
    """`flask users create ed@example.fr --role editor --password-stdin` in the bench database."""
    completed = subprocess.run(
        [str(flask_binary), "--app", "app", "users", "create", EDITOR_EMAIL]
        + ["--role", "editor", "--password-stdin"],
        cwd=root,
        env=env,
        input=EDITOR_PASSWORD + "\n",
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"création de l’éditeur impossible :\n{completed.stdout}{completed.stderr}"
        )


def measure_editing(
    base_url: str,
    article_path: str,
    *,
    duration_s: float,
    warmup_s: float,
    read_load,
    config: str = "",
) -> list[EditingResult]:
    """Idle saves, then saves while `read_load(seconds)` (a wrk run, returning its Result) runs."""
    editor = Editor(base_url)
    try:
        editor.log_in()
        block_id, form_path = editor.first_paragraph(article_path)
        if warmup_s:
            edit_repeatedly(editor, block_id, form_path, warmup_s)
        idle = edit_repeatedly(editor, block_id, form_path, duration_s)

        reads: dict = {}
        wrk = threading.Thread(
            target=lambda: reads.update(vars(read_load(int(duration_s) + 2 * READ_LOAD_MARGIN_S)))
        )
        wrk.start()
        time.sleep(READ_LOAD_MARGIN_S)
        loaded = edit_repeatedly(editor, block_id, form_path, duration_s)
        wrk.join()
    finally:
        editor.close()
    read = {key: reads.get(key) for key in ("requests_per_s", "p50_ms", "p99_ms", "non_2xx")}
    return [
        result("idle", idle, config=config),
        result("under read load", loaded, read, config=config),
    ]


def failures(results: list[EditingResult]) -> list[str]:
    """Saves that were not saved: a conflict means the benchmark is wrong, a 5xx the app."""
    return [
        f"EDITING ({r.config}, {r.phase}): {', '.join(f'{key}: {n}' for key, n in r.other.items())}"
        for r in results
        if r.other
    ]


def print_editing_table(results: list[EditingResult], format_table) -> None:
    headers = ("config", "phase", "saves", "saves/s", "p50 ms", "p99 ms", "target", "form p50",
               "reads/s", "other")  # fmt: skip
    rows = [
        (
            r.config,
            r.phase,
            str(r.saves),
            f"{r.saves_per_s:.1f}",
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            target_mark(r),
            f"{r.form_p50_ms:.2f}",
            f"{r.read['requests_per_s']:.1f}" if r.read.get("requests_per_s") else "",
            ", ".join(f"{key}: {n}" for key, n in r.other.items()) or "0",
        )
        for r in results
    ]
    print("\n".join(format_table(headers, rows)))
    for r in results:
        if r.read.get("non_2xx"):
            print(f"Attention ({r.config}, {r.phase}) : {r.read['non_2xx']} lectures en erreur.")


def target_mark(r: EditingResult) -> str:
    """p50 <= 25 ms under read load: "met" or "NOT MET"; nothing for the idle phase."""
    if r.phase != "under read load":
        return ""
    return f"<= {TARGET_P50_MS:.0f} ms " + ("met" if r.p50_ms <= TARGET_P50_MS else "NOT MET")
