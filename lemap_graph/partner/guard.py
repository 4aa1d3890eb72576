"""The upload guard: what the raw bytes of an upload must be before any parser sees them.

Measured on pyoxigraph 0.5.13: a 700-byte "billion laughs" RDF/XML file and JSON-LD nested about
4,000 deep abort the whole process, so DTDs and entity declarations are refused outright and
bracket or element nesting is counted first. The checks are linear scans, never parsing: the
parse itself runs in a worker process (:mod:`lemap_graph.partner.worker`).

>>> kind = check_upload(b'<http://ex/a> <http://ex/p> "x" .', "application/n-triples; charset=utf-8", UploadLimits())
>>> kind.name
'nt'
>>> check_upload(b'<!DOCTYPE x [<!ENTITY a "b">]><rdf:RDF/>', "application/rdf+xml", UploadLimits())
Traceback (most recent call last):
...
lemap_graph.partner.guard.UploadRefused: 400: DOCTYPE and ENTITY declarations are refused in RDF/XML (line 1, column 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Mapping


class UploadRefused(Exception):
    """An upload that cannot be taken: an HTTP ``status``, a message and, when known, where (1-based)."""

    def __init__(self, status: int, message: str, line: int | None = None, column: int | None = None,
                 file: str | None = None):
        self.status, self.message, self.line, self.column, self.file = status, message, line, column, file
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{status}: {message}{where}")

    def to_dict(self) -> dict[str, Any]:
        """The refusal as a JSON-ready dict: status, reason phrase, message, line, column and, when known, the file."""
        out = {"status": self.status, "error": HTTPStatus(self.status).phrase, "message": self.message,
               "line": self.line, "column": self.column}
        return {**out, "file": self.file} if self.file else out

    def located(self) -> str:
        """``file:line:column: message``, as the command line reports it."""
        return f"{self.file or 'upload'}:{self.line or 0}:{self.column or 0}: {self.message}"


@dataclass(frozen=True)
class UploadKind:
    """A format an upload may come in: name, media type, file extension and pyoxigraph format name."""

    name: str
    media_type: str
    extension: str
    rdf_format: str | None  # an ox.RdfFormat attribute name; None for the CSV template
    aliases: tuple[str, ...] = ()


KINDS: tuple[UploadKind, ...] = (
    UploadKind("ttl", "text/turtle", "ttl", "TURTLE", ("application/x-turtle",)),
    UploadKind("nt", "application/n-triples", "nt", "N_TRIPLES"),
    UploadKind("trig", "application/trig", "trig", "TRIG"),
    UploadKind("nq", "application/n-quads", "nq", "N_QUADS"),
    UploadKind("jsonld", "application/ld+json", "jsonld", "JSON_LD", ("application/json",)),
    UploadKind("rdf", "application/rdf+xml", "rdf", "RDF_XML", ("application/xml", "text/xml")),
    UploadKind("csv", "text/csv", "csv", None),
)


@dataclass(frozen=True)
class UploadLimits:
    """The guard's and the worker's limits; :meth:`from_settings` reads them from ``LEMAP_*`` settings."""

    max_bytes: int = 10_000_000
    max_nesting: int = 64
    timeout: float = 60.0
    memory_mb: int = 2048

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "UploadLimits":
        """Limits from ``LEMAP_MAX_UPLOAD_BYTES``, ``LEMAP_UPLOAD_NESTING``, ``LEMAP_UPLOAD_TIMEOUT`` and ``LEMAP_UPLOAD_MEMORY_MB``.

        >>> UploadLimits.from_settings({"LEMAP_UPLOAD_TIMEOUT": "5"}).timeout
        5.0
        """
        names = {"max_bytes": ("LEMAP_MAX_UPLOAD_BYTES", int), "max_nesting": ("LEMAP_UPLOAD_NESTING", int),
                 "timeout": ("LEMAP_UPLOAD_TIMEOUT", float), "memory_mb": ("LEMAP_UPLOAD_MEMORY_MB", int)}
        return cls(**{k: conv(settings[n]) for k, (n, conv) in names.items() if settings.get(n) is not None})


def find_kind(media_type_or_extension: str) -> UploadKind | None:
    """The upload format for a Content-Type (parameters ignored), a name or a file extension.

    >>> find_kind("text/turtle; charset=utf-8").name, find_kind(".jsonld").name, find_kind("text/html")
    ('ttl', 'jsonld', None)
    """
    key = media_type_or_extension.split(";", 1)[0].strip().lower().lstrip(".")
    return next((k for k in KINDS if key in (k.name, k.media_type, k.extension, *k.aliases)), None)


def accepted_types() -> str:
    """The media types an upload may have, for messages."""
    return ", ".join(k.media_type for k in KINDS)


def check_upload(body: bytes, content_type: str | None, limits: UploadLimits) -> UploadKind:
    """Vet an upload's bytes before parsing: size (413), media type (415), encoding, DTDs and nesting (400).

    :param body: the upload as received.
    :param content_type: its ``Content-Type`` (or a file extension).
    :param limits: the size and nesting limits.
    :return: the format to parse it as.
    :raises UploadRefused: saying what is wrong and, where it can, at which line and column.
    """
    if len(body) > limits.max_bytes:
        raise UploadRefused(413, f"the upload is {len(body)} bytes; the limit is {limits.max_bytes} bytes")
    kind = find_kind(content_type or "")
    if kind is None:
        raise UploadRefused(415, f"cannot read {content_type or 'an upload without a Content-Type'}; send one of {accepted_types()}")
    text = decode(body)
    if kind.name == "rdf":
        _refuse_dtd(text)
        _check_depth(text, _xml_depth(text), limits.max_nesting, "XML elements")
    elif kind.name == "jsonld":
        _check_depth(text, _json_depth(text), limits.max_nesting, "JSON objects and arrays")
    return kind


def decode(body: bytes) -> str:
    """The upload as UTF-8 text (a byte-order mark dropped); a bad byte is refused with its line and column."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line, column = line_column(body[: e.start].decode("utf-8", "replace"), e.start)
        raise UploadRefused(400, f"the upload is not UTF-8: byte 0x{body[e.start]:02x} cannot be decoded", line, column) from None


def line_column(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of character ``pos`` in ``text``.

    >>> line_column("ab\\ncd", 4)
    (2, 2)
    """
    pos = min(pos, len(text))
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.I)


def _refuse_dtd(text: str) -> None:
    m = _DTD.search(text)
    if m:
        line, column = line_column(text, m.start())
        raise UploadRefused(400, "DOCTYPE and ENTITY declarations are refused in RDF/XML", line, column)


# Comments, CDATA and processing instructions hold no elements; a tag is "<name", "</name" or ".../>".
_XML_TOKEN = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(/?)[^\s<>/!?][^<>]*?(/?)>", re.S)
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def _xml_depth(text: str):
    depth = 0
    for m in _XML_TOKEN.finditer(text):
        if m.group(1) is None:
            continue
        if m.group(1) == "/":
            depth -= 1
        elif m.group(2) != "/":
            depth += 1
            yield depth, m.start()


def _json_depth(text: str):
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            yield depth, m.start()
        elif c in "]}":
            depth -= 1


def _check_depth(text: str, depths, limit: int, what: str) -> None:
    for depth, pos in depths:
        if depth > limit:
            line, column = line_column(text, pos)
            raise UploadRefused(400, f"{what} are nested more than {limit} deep (LEMAP_UPLOAD_NESTING)", line, column)
