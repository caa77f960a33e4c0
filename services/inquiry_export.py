"""Exports of the inquiry inbox: an .xlsx workbook for people, CSV for tools.

Both take an inbox query (models.sponsorship.inbox_query, so the export has the list's
filters) and write the same columns, headed in the current language:

- .xlsx (XlsxWriter): every cell is written with `write_string`, so it is a text cell
  and nothing in it can ever be a formula; no quote prefix is needed, and a phone number
  such as "+33 6 12 34 56 78" appears exactly as typed.
- CSV (UTF-8 with a BOM, RFC 4180 quoting): the delimiter is chosen by the caller (";"
  where the decimal comma is usual, as French spreadsheets expect; "," otherwise), and
  only cells a spreadsheet would really run as a formula get a quote prefix (see
  `spreadsheet_safe`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

import xlsxwriter
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from models import db
from models.sponsorship import SponsorshipInquiry

# (title, width in the workbook in characters, value of one inquiry), in export order.
COLUMNS: list[tuple[object, int, Callable[[SponsorshipInquiry], object]]] = [
    (_l("Numéro"), 8, lambda i: i.id),
    (_l("Reçue le (UTC)"), 17, lambda i: i.created_at.strftime("%Y-%m-%d %H:%M")),
    (_l("Statut"), 12, lambda i: i.status_label),
    (_l("Nom"), 24, lambda i: i.name),
    (_l("Organisation"), 28, lambda i: i.organisation),
    (_l("Courriel"), 30, lambda i: i.email),
    (_l("Téléphone"), 18, lambda i: i.phone),
    (_l("Type"), 18, lambda i: i.kind_label),
    (_l("Budget"), 22, lambda i: i.budget_label),
    (_l("Période"), 18, lambda i: i.period),
    (_l("Message"), 60, lambda i: i.message),
    (_l("Assignée à"), 20, lambda i: i.assignee.display_name if i.assignee else ""),
    (_l("Motif spam"), 24, lambda i: i.spam_reason),
]

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The CSV delimiter a spreadsheet expects in each interface language: French (like most
# languages that write decimals with a comma) uses ";" as the list separator.
CSV_DELIMITERS = {"fr": ";", "en": ","}
DEFAULT_CSV_DELIMITER = ";"

# Characters that make a spreadsheet read a cell as a formula (or a DDE command) when
# they come first: OWASP "CSV Injection" lists = + - @ tab and carriage return; the line
# feed and the full-width forms (which some Excel locales take as their ASCII twins)
# are their neighbours.
_ALWAYS_FORMULA = frozenset("=@\t\r\n\uff1d\uff20")
_SIGNS = frozenset("+-\uff0b\uff0d")
# A signed value made only of digits, spaces (including French non-breaking ones) and
# . , ( ) / - : a phone number (+33 6 12 34 56 78) or a negative amount (-1 500,50). With
# no letter there is no function, no cell reference and no DDE target, so even a
# spreadsheet that evaluates it can only compute a number.
_SIGNED_NUMBER = re.compile(
    r"[+\-\uff0b\uff0d][0-9 .,()/\u00a0\u202f\-]*[0-9][0-9 .,()/\u00a0\u202f\-]*"
)
# Leading spaces a spreadsheet may trim on import, uncovering what follows.
_TRIMMED = " \u00a0\u202f"


def spreadsheet_safe(value) -> str:
    """The cell as text, with a leading ' only when a spreadsheet would run it as a formula.

    The rule follows OWASP's CSV Injection guidance, narrowed to what is really
    executable: after any leading spaces, a cell starting with = @ tab CR or LF (or a
    full-width = or @) is always guarded; one starting with + or - is guarded unless it
    is a signed number-like value (digits, spaces and . , ( ) / - only, at least one
    digit), which cannot name a function or a cell. So `+33 6 12 34 56 78` and `-12,5`
    stay as typed, while `=HYPERLINK(…)`, `+cmd|' /C calc'!A0`, `-2+3` and `@SUM(1)`
    get the prefix. Returns "" for None.
    """
    text = "" if value is None else str(value)
    head = text.lstrip(_TRIMMED)
    if not head:
        return text
    if head[0] in _ALWAYS_FORMULA:
        return "'" + text
    if head[0] in _SIGNS and not _SIGNED_NUMBER.fullmatch(head):
        return "'" + text
    return text


def csv_delimiter(language: str | None) -> str:
    """The delimiter for an interface language ("fr", "en"…); ";" when unknown."""
    return CSV_DELIMITERS.get((language or "").split("_")[0].lower(), DEFAULT_CSV_DELIMITER)


def _inquiries(query, batch: int) -> Iterator[SponsorshipInquiry]:
    query = query.options(joinedload(SponsorshipInquiry.assignee)).execution_options(
        yield_per=batch
    )
    yield from db.session.scalars(query)


def _cells(inquiry: SponsorshipInquiry) -> list[str]:
    return ["" if (v := value(inquiry)) is None else str(v) for _title, _width, value in COLUMNS]


def csv_chunks(query, delimiter: str = DEFAULT_CSV_DELIMITER, batch: int = 200):
    """The export as UTF-8 text chunks: a BOM (so spreadsheets read accents right), a
    header, then one quoted row per inquiry (RFC 4180, CRLF), streamed in batches.

    delimiter: one character, e.g. from csv_delimiter(); ValueError otherwise.
    """
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError(f"invalid CSV delimiter: {delimiter!r}")
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([str(title) for title, _width, _value in COLUMNS])
    yield "\ufeff" + flush()
    for inquiry in _inquiries(query, batch):
        writer.writerow([spreadsheet_safe(cell) for cell in _cells(inquiry)])
        if buffer.tell() > 64_000:
            yield flush()
    yield flush()


def write_xlsx(query, output: BinaryIO | str, batch: int = 200) -> int:
    """Write the export as an .xlsx workbook to `output` (a binary file or a path); every
    cell a text cell (write_string), a bold frozen header row with filters. Returns the
    number of inquiries written. Cells longer than Excel's 32,767 characters are cut."""
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,  # rows go to disk as they are written
            # write_string is used for every cell; these make sure nothing else converts.
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        sheet = workbook.add_worksheet(str(_l("Demandes"))[:31])
        header = workbook.add_format({"bold": True})
        wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
        top = workbook.add_format({"valign": "top"})
        for column, (_title, width, _value) in enumerate(COLUMNS):
            sheet.set_column(column, column, width, wrapped if width >= 40 else top)
        for column, (title, _width, _value) in enumerate(COLUMNS):
            sheet.write_string(0, column, str(title), header)
        sheet.freeze_panes(1, 0)
        written = 0
        for row, inquiry in enumerate(_inquiries(query, batch), start=1):
            for column, cell in enumerate(_cells(inquiry)):
                sheet.write_string(row, column, cell)
            written = row
        sheet.autofilter(0, 0, max(written, 1), len(COLUMNS) - 1)
    finally:
        workbook.close()
    return written


def xlsx_bytes(query) -> bytes:
    """The .xlsx export in memory (see write_xlsx)."""
    buffer = io.BytesIO()
    write_xlsx(query, buffer)
    return buffer.getvalue()
