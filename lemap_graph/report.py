"""The source report: its text, normalised for quoting, and its sections.

Evidence excerpts in ``data/triples/`` quote the report verbatim after whitespace
normalisation (every run of spaces, tabs and line breaks becomes one space), so a test can
check that each quoted sentence really stands in the report. A sentence may be quoted without
the footnote markers and page-foot text printed inside it: :data:`FURNITURE` lists each such
piece with its exact context, and :func:`clean_text` is the report without them.

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


@lru_cache(maxsize=2)
def _section_offsets(clean: bool = False) -> tuple[tuple[int, Section], ...]:
    text = clean_text() if clean else report_text()
    offsets, start = [], 0
    for section in SECTIONS:
        at = text.find(section.heading, start)
        if at < 0:
            raise ValueError(f"section heading not found in the report: {section.heading!r}")
        offsets.append((at, section))
        start = at + len(section.heading)
    return tuple(offsets)


@dataclass(frozen=True)
class Furniture:
    """Page furniture in the normalised report: the exact text it stands in, and that text without it."""

    found: str
    clean: str


_FOOTNOTE_1 = "1 https://www.unaids.org/sites/default/files/media_asset/UNAIDS_FactSheet_en.pdf"
_LINK_1 = "https://www.unaids.org/sites/default/files/media_asset/UNAIDS_FactSheet_en.pdf"
_FOOTNOTE_2 = "2 LE_Manual_on_HIV_services_for_people_who_use_drugs.pdf (unodc.org)"
_FOOTNOTE_3 = "3 Practical_Guide_for_Civil_Society_HIV_Service_Providers.pdf (unodc.org)"
_LINK_2 = "https://www.unodc.org/documents/hiv-aids/Lemanual/LE_Manual_on_HIV_services_for_people_who_use_drugs.pdf"
_LINK_3 = "https://www.unodc.org/documents/hiv-aids/2016/Practical_Guide_for_Civil_Society_HIV_Service_Providers.pdf"

#: The footnotes as printed at the foot of their page, with the link each carries; an excerpt may
#: quote a whole footnote (it is where the report gives a document's URL).
FOOTNOTES: tuple[str, ...] = (_FOOTNOTE_1, _FOOTNOTE_2, _FOOTNOTE_3, _LINK_1, _LINK_2, _LINK_3)

#: Everything an excerpt may leave out of a sentence, each recognised by its exact context: footnote
#: markers glued to a word, footnotes and links printed at a page foot in the middle of a sentence,
#: and a page number. Each ``found`` stands exactly once in the normalised report.
FURNITURE: tuple[Furniture, ...] = (
    Furniture("their sexual partners.1 Although", "their sexual partners. Although"),
    Furniture(f"technical assistance and {_FOOTNOTE_1} {_LINK_1} capacity building", "technical assistance and capacity building"),
    Furniture("among PWID 2 and The practical guide", "among PWID and The practical guide"),
    Furniture("to provide CSOs3 with insights", "to provide CSOs with insights"),
    Furniture(f"protocols as {_FOOTNOTE_2} {_FOOTNOTE_3} {_LINK_2} {_LINK_3} standard operating", "protocols as standard operating"),
    Furniture("also known as harm reduction1 interventions", "also known as harm reduction interventions"),
    Furniture("ending AIDS by 2030. 21 In endorsing", "ending AIDS by 2030. In endorsing"),
)


@lru_cache(maxsize=1)
def clean_text() -> str:
    """The normalised report without its page furniture (:data:`FURNITURE`).

    >>> "partners.1" in report_text(), "partners.1" in clean_text()
    (True, False)
    """
    text = report_text()
    for piece in FURNITURE:
        if text.count(piece.found) != 1:
            raise ValueError(f"page furniture not found exactly once in the report: {piece.found!r}")
        text = text.replace(piece.found, piece.clean)
    return text


def locate(excerpt: str) -> Section | None:
    """The section in which ``excerpt`` (normalised) stands, or None if the report lacks it.

    >>> locate("The country has adopted the Training Manual.").slug
    'west-asia'
    >>> locate("A sentence the report never wrote.") is None
    True
    """
    at = report_text().find(normalise(excerpt))
    offsets = _section_offsets()
    if at < 0:  # a sentence quoted without its footnote markers or page furniture
        at, offsets = clean_text().find(normalise(excerpt)), _section_offsets(clean=True)
    if at < 0:
        return None
    found = None
    for offset, section in offsets:
        if offset <= at:
            found = section
    return found
