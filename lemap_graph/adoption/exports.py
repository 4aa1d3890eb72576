"""The tracer's downloads: the same rows as CSV, JSON and XLSX, with spreadsheet formulas defused."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable, Sequence

from .filters import Filters
from .steps import STEPS_QUERY, Step, section_label, step_from_record, summarise  # noqa: F401  (step_from_record: doctests)

# ------------------------------------------------------------------------------------ exports

#: Columns of the CSV, JSON and XLSX downloads: (key, header).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("country", "country"),
    ("alpha3", "iso3"),
    ("iso_numeric", "iso_numeric"),
    ("region", "region"),
    ("stage", "stage"),
    ("notation", "stage_notation"),
    ("status", "status"),
    ("year", "year"),
    ("language", "language"),
    ("language_tags", "language_tags"),
    ("resulting_document", "resulting_document"),
    ("activity", "activity"),
    ("evidence", "evidence"),
    ("section", "section"),
    ("adoption_iri", "adoption_iri"),
    ("country_iri", "country_iri"),
    ("section_iri", "section_iri"),
    ("source", "source"),
    ("partner_datasets", "partner_datasets"),
    ("partner_graph_iri", "partner_graph_iri"),
)


def export_row(step: Step) -> dict[str, Any]:
    """One step as a flat row of the downloads (see :data:`COLUMNS`); lists are joined with ``; `` or `` | ``.

    >>> row = export_row(step_from_record({"country_label": "Afghanistan", "stage": "s/translated",
    ...                                     "languages": "prs", "evidence": "One. | Two."}))
    >>> row["language"], row["evidence"], row["notation"]
    ('Dari', 'One. | Two.', 2)
    """
    return {
        "country": step.country_label,
        "alpha3": step.alpha3,
        "iso_numeric": step.iso_numeric,
        "region": step.region,
        "stage": step.stage_label,
        "notation": step.notation,
        "status": step.status_label,
        "year": step.year,
        "language": "; ".join(step.language_names),
        "language_tags": "; ".join(step.languages),
        "resulting_document": step.resulting_document_label,
        "activity": step.activity_label,
        "evidence": " | ".join(step.evidence),
        "section": "; ".join(section_label(s) for s in step.sections),
        "adoption_iri": step.adoption,
        "country_iri": step.country,
        "section_iri": " ".join(step.sections),
        "source": step.source,
        "partner_datasets": "; ".join(step.partner_datasets),
        "partner_graph_iri": " ".join(step.partner_graphs),
    }


_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?![0-9]))")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` so it stays text.

    Partner data reaches this export, and staff open it in spreadsheets.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("-12"), spreadsheet_safe("Dari")
    ("'=HYPERLINK(1)", '-12', 'Dari')
    """
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def write_csv(steps: Iterable[Step]) -> bytes:
    """The steps as CSV (UTF-8, a header row of :data:`COLUMNS`, CRLF line ends, formulas defused).

    >>> write_csv([]).decode().splitlines()[0].split(",")[:4]
    ['country', 'iso3', 'iso_numeric', 'region']
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([header for _, header in COLUMNS])
    for step in steps:
        row = export_row(step)
        writer.writerow([spreadsheet_safe(row[key]) for key, _ in COLUMNS])
    return buf.getvalue().encode("utf-8")


def write_json(steps: Sequence[Step], *, filters: Filters | None = None, query: str = STEPS_QUERY,
               query_url: str | None = None) -> bytes:
    """The steps as a JSON document: the query and filters that made them, the count, rows and per-country summaries.

    :param steps: the (filtered) steps, in table order.
    :param filters: the filters that chose them.
    :param query: the named query the rows come from.
    :param query_url: where that query can be read and run.

    >>> json.loads(write_json([]))["count"]
    0
    """
    doc = {
        "query": query,
        "query_url": query_url,
        "filters": (filters or Filters()).to_args(),
        "count": len(steps),
        "from_partners": sum(1 for s in steps if s.partner_graphs),
        "columns": [header for _, header in COLUMNS],
        "rows": [{header: export_row(s)[key] for key, header in COLUMNS} for s in steps],
        "countries": [c.to_json() for c in summarise(steps)],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def write_xlsx(steps: Iterable[Step], *, title: str = "Training Manual adoption", note: str = "") -> bytes:
    """The steps as an Excel workbook (one sheet, a bold frozen header row; ``note`` in a second sheet).

    :param steps: the (filtered) steps, in table order.
    :param title: the sheet's title (Excel cuts it to 31 characters).
    :param note: where the rows come from (query, filters), written to a sheet named "About".

    >>> import openpyxl
    >>> book = openpyxl.load_workbook(io.BytesIO(write_xlsx([])))
    >>> [c.value for c in book.active[1]][:2]
    ['country', 'iso3']
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([header for _, header in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for step in steps:
        row = export_row(step)
        sheet.append([row[key] for key, _ in COLUMNS])
        for cell in sheet[sheet.max_row]:
            # text from the data that starts with "=" stays text: a spreadsheet must never run it as a formula
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    widths = {"country": 16, "evidence": 80, "section": 30, "resulting_document": 30, "activity": 30}
    for i, (key, _) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = widths.get(key, 14)
        if key == "evidence":
            for cell in sheet[sheet.cell(1, i).column_letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if note:
        about = book.create_sheet("About")
        for line in note.splitlines():
            about.append([line])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
