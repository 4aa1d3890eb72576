"""The tracer's timeline: adoption steps and the activities that used the Manual, as dated events."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping

from .steps import TIMELINE_YEARS, PartnerMarked, _int, _split, slug

# ------------------------------------------------------------------------------------ timeline


@dataclass(frozen=True)
class Event(PartnerMarked):
    """A dated thing on the timeline: an adoption step or an activity that used the Manual (or a version of it)."""

    iri: str
    kind: str  # "adoption step" or "activity"
    label: str
    countries: tuple[str, ...]  # alpha-3 codes; empty for a global or regional activity
    country_labels: tuple[str, ...]
    start: int | None
    end: int | None
    stage: str = ""
    stage_label: str = ""
    notation: int = 0
    status: str = ""
    status_label: str = ""
    documents: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    partner_graphs: tuple[str, ...] = ()
    in_report: bool = True

    @property
    def placed(self) -> bool:
        """Whether it has a year inside the timeline's span."""
        lo, hi = TIMELINE_YEARS
        return self.start is not None and (self.end or self.start) >= lo and self.start <= hi


def events_from_records(records: Iterable[Mapping[str, str | None]]) -> list[Event]:
    """``adoption-timeline`` rows as events, ordered by start year (undated last), then label.

    >>> e = events_from_records([{"event": "x", "event_type": "activity", "label": "T", "start_year": "2015"}])[0]
    >>> e.start, e.end, e.placed
    (2015, 2015, True)
    """
    out = []
    for record in records:
        r = {k: (v or "") for k, v in record.items()}
        start = _int(r.get("start_year"), 0) or None
        end = _int(r.get("end_year"), 0) or start
        stage = slug(r.get("stage"))
        pairs = [_name_and_code(text) for text in _split(r.get("country_names"), ";")]
        labels = tuple(name for name, _ in pairs)
        label = r.get("label") or _step_label(labels, r.get("stage_label") or stage, r.get("status_label", ""))
        out.append(Event(
            iri=r.get("event", ""), kind=r.get("event_type") or "activity", label=label,
            countries=tuple(code for _, code in pairs), country_labels=labels, start=start, end=end,
            stage=stage, stage_label=r.get("stage_label") or stage, notation=_int(r.get("notation")),
            status=slug(r.get("status")), status_label=r.get("status_label") or slug(r.get("status")),
            documents=_split(r.get("document_labels"), ";"), evidence=_split(r.get("evidence"), " | "),
            sections=_split(r.get("sections"), " "), partner_graphs=_split(r.get("partner_graphs"), " "),
            in_report=r.get("in_report", "1") not in ("0", "false"),
        ))
    return sorted(out, key=lambda e: (e.start is None, e.start or 0, e.label.casefold()))


def _name_and_code(text: str) -> tuple[str, str]:
    """``"Kazakhstan (KAZ)"`` → ``("Kazakhstan", "KAZ")``."""
    match = re.fullmatch(r"(.*) \(([^()]*)\)", text)
    return (match.group(1), match.group(2)) if match else (text, text)


def _step_label(countries: tuple[str, ...], stage: str, status: str) -> str:
    where = ", ".join(countries) or "Somewhere"
    return f"{where}: Manual {stage}" + (f" ({status})" if status and status != "done" else "")


def event_json(event: Event) -> dict[str, Any]:
    """One event for the page's timeline script."""
    out = asdict(event)
    out["placed"] = event.placed
    out["source"] = event.source
    out["partner_datasets"] = list(event.partner_datasets)
    return out
