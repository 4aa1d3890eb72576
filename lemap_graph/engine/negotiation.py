"""Content negotiation of query answers: which result or graph format an Accept header gets."""

from __future__ import annotations

from ..formats import Format, for_kind, parse_accept, quality
from .errors import QueryError

def negotiate(accept: str | None, kind: str, extra: tuple[str, ...] = ()) -> Format | str | None:
    """The best format of ``kind`` (``results`` or ``graph``) for an Accept header, default first on ties.

    :param extra: further media types to weigh (e.g. ``text/html``), returned as strings when they win.
    :return: a :class:`Format`, one of ``extra``, or None when nothing offered is acceptable (406).

    >>> negotiate(None, "results").name
    'json'
    >>> negotiate("text/turtle;q=0.5, application/rdf+xml", "graph").name
    'rdf'
    >>> negotiate("text/html", "graph") is None
    True
    """
    offers: list[Format | str] = [*for_kind(kind), *extra]
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0]
    scored = []
    for i, offer in enumerate(offers):
        names = (offer,) if isinstance(offer, str) else (offer.media_type, *(a for a in offer.aliases if "/" in a))
        specific, q = max(quality(ranges, n) for n in names)  # an explicit q=0 for a type wins over */*
        if q > 0:
            scored.append((-q, -specific, i, offer))
    return min(scored, key=lambda s: s[:3])[3] if scored else None


def acceptable_types(kind: str) -> list[str]:
    """Media types offered for a kind of result, for a 406 message."""
    return [f.media_type for f in for_kind(kind)]


def not_acceptable(kind: str) -> QueryError:
    """The 406 error for a kind of result, listing what is on offer."""
    return QueryError(406, "none of the requested media types can be produced; available: " + ", ".join(acceptable_types(kind)))
