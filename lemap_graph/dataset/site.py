"""The IRIs of the dataset's descriptions, SPARQL service and dumps, under the base of lemap's IRIs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    """The IRIs of the dataset's descriptions, service and dumps, under the base of lemap's IRIs."""

    base: str

    @property
    def catalog(self) -> str:
        """The DCAT catalogue (served at ``/catalog``)."""
        return self.base + "catalog"

    @property
    def dataset(self) -> str:
        """The dataset itself: one IRI for DCAT and VoID."""
        return self.catalog + "#lemap"

    @property
    def service(self) -> str:
        """The SPARQL data service."""
        return self.catalog + "#sparql"

    @property
    def publisher(self) -> str:
        """The project, as publisher."""
        return self.catalog + "#publisher"

    @property
    def void(self) -> str:
        """The VoID description document (``/.well-known/void``)."""
        return self.base + ".well-known/void"

    @property
    def sparql(self) -> str:
        """The SPARQL endpoint."""
        return self.base + "sparql"

    @property
    def entities(self) -> str:
        """The namespace of every entity IRI."""
        return self.base + "id/"

    def dump_url(self, filename: str) -> str:
        """Where a dump file is downloaded."""
        return self.base + "dump/" + filename

    def distribution(self, name: str) -> str:
        """The DCAT distribution of one dump format (``nq``, ``ttl`` …)."""
        return self.catalog + "#dump-" + name
