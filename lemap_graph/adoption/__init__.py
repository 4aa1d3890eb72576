"""The Training Manual adoption tracer: query rows → steps, per-country summaries, filters, timeline, lineage, exports.

The rows come from the named queries ``adoption-steps``, ``adoption-timeline``, ``adoption-lineage`` and
``adoption-country-activities`` (run by the caller: the web app through its engine, a script through
:func:`lemap_graph.store.run_query`). Nothing here opens a store or knows about HTTP.

A country's *furthest stage* is the adoption stage with the greatest notation (introduced 1 < translated 2 <
adapted 3 < adopted 4 < curriculum 5) among its steps that were **done**. A country with no done step has
no furthest stage; its *standing* says whether something is under way (``in-progress``) or only intended,
planned, needed or not carried out (``not-done``), so an intention is never shown as a thing done.

Modules: :mod:`.steps` (steps, countries, constants), :mod:`.filters`, :mod:`.exports` (CSV, JSON,
XLSX), :mod:`.timeline` and :mod:`.lineage`.

>>> rows = [
...     {"adoption": "a1", "country": "c/AFG", "country_label": "Afghanistan", "alpha3": "AFG", "iso_numeric": "004",
...      "stage": "s/translated", "stage_label": "translated", "notation": "2", "status": "st/done", "year": "2020",
...      "languages": "prs"},
...     {"adoption": "a2", "country": "c/ARG", "country_label": "Argentina", "alpha3": "ARG", "iso_numeric": "032",
...      "stage": "s/adapted", "stage_label": "adapted", "notation": "3", "status": "st/intended"},
... ]
>>> steps = steps_from_records(rows)
>>> [(c.alpha3, c.standing, c.furthest and c.furthest.stage) for c in summarise(steps)]
[('AFG', 'done', 'translated'), ('ARG', 'not-done', None)]
>>> steps[0].language_names
('Dari',)
>>> [s.alpha3 for s in Filters.from_args({"status": "intended"}).apply(steps)]
['ARG']
"""

from .steps import (ACTIVITIES_QUERY, BASE_IRI, BY_COUNTRY_QUERY, LINEAGE_QUERY, MANUAL_LINEAGE_QUERY, STAGES, STANDINGS,
                    STATUSES, STEPS_QUERY, TIMELINE_QUERY, TIMELINE_YEARS, CountrySummary, Step, count_by_stage,
                    dataset_name, entity_path, language_name, section_label, section_links, slug, source_of,
                    step_from_record, step_json, steps_from_records, summarise)
from .filters import FilterError, Filters, filter_options, sort_steps
from .exports import COLUMNS, export_row, spreadsheet_safe, write_csv, write_json, write_xlsx
from .timeline import Event, event_json, events_from_records
from .lineage import CountryActivity, LineageNode, build_lineage, in_scope, other_activities

__all__ = [
    "ACTIVITIES_QUERY", "BASE_IRI", "BY_COUNTRY_QUERY", "LINEAGE_QUERY", "MANUAL_LINEAGE_QUERY", "STAGES", "STANDINGS",
    "STATUSES", "STEPS_QUERY", "TIMELINE_QUERY", "TIMELINE_YEARS", "CountrySummary", "Step", "count_by_stage",
    "dataset_name", "entity_path", "language_name", "section_label", "section_links", "slug", "source_of", "step_from_record", "step_json",
    "steps_from_records", "summarise",
    "FilterError", "Filters", "filter_options", "sort_steps",
    "COLUMNS", "export_row", "spreadsheet_safe", "write_csv", "write_json", "write_xlsx",
    "Event", "event_json", "events_from_records",
    "CountryActivity", "LineageNode", "build_lineage", "in_scope", "other_activities",
]
