"""The source report: its text, normalised for quoting, and its sections.

Evidence excerpts in ``data/triples/`` quote the report verbatim after whitespace
normalisation (every run of spaces, tabs and line breaks becomes one space), so a test can
check that each quoted sentence really stands in the report.

>>> normalise("one \\n\\n two  three ")
'one two three'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPORT_PATH = Path(__file__).resolve().parent.parent / "data" / "source" / "unodc-le-hiv-mapping-2013-2021.txt"

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Section:
    """A heading of the report and the slug of its IRI ``/id/section/<slug>``."""

    slug: str
    heading: str


#: The report's sections in reading order: its regional headings, as printed.
SECTIONS: tuple[Section, ...] = (
    Section("background", "BACKGROUND"),
    Section("introduction", "Introduction"),
    Section("mena", "MENA - Middle East and Northern Africa"),
    Section("lac", "LAC – Latin America and the Caribbean"),
    Section("rosa", "ROSA - UNODC Regional Office for South Asia"),
    Section("eeca", "EECA – Eastern Europe and Central Asia"),
    Section("rosaf", "UNODC ROSAF (Regional Office for Southern Africa)"),
    Section("rosen", "UNODC ROSEN - Regional Office for West and Central Africa"),
    Section("west-asia", "UNODC WEST ASIA"),
    Section("eastern-africa", "The UNODC Regional Office for Eastern Africa"),
    Section("seap", "UNODC SEAP - Regional Office for Southeast Asia and the Pacific"),
    Section("global", "UNODC - Global"),
    Section("summary", "SUMMARY"),
)


def normalise(text: str) -> str:
    """Collapse every whitespace run to one space and strip the ends."""
    return _WS.sub(" ", text).strip()


@lru_cache(maxsize=1)
def report_text(path: Path = REPORT_PATH) -> str:
    """The whole report, whitespace-normalised."""
    return normalise(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _section_offsets() -> tuple[tuple[int, Section], ...]:
    text = report_text()
    offsets, start = [], 0
    for section in SECTIONS:
        at = text.find(section.heading, start)
        if at < 0:
            raise ValueError(f"section heading not found in the report: {section.heading!r}")
        offsets.append((at, section))
        start = at + len(section.heading)
    return tuple(offsets)


def locate(excerpt: str) -> Section | None:
    """The section in which ``excerpt`` (normalised) stands, or None if the report lacks it.

    >>> locate("The country has adopted the Training Manual.").slug
    'west-asia'
    >>> locate("A sentence the report never wrote.") is None
    True
    """
    at = report_text().find(normalise(excerpt))
    if at < 0:
        return None
    found = None
    for offset, section in _section_offsets():
        if offset <= at:
            found = section
    return found
