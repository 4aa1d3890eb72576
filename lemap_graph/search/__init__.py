"""Search: a full-text index of every entity's names and the report's sentences, and the matcher over it.

- :mod:`.text`: folding, transliteration skeletons, trigrams;
- :mod:`.source`: what the index is built from, read through the engine's ``search-*`` named queries;
- :mod:`.index`: the SQLite FTS5 index;
- :mod:`.matcher`: candidates scored with rapidfuzz, the reconciliation decision, the search page's answer;
- :mod:`.service`: one index per version of the engine's data, rebuilt when the data changes.
"""
