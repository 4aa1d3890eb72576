"""The guard: a tokenizer-level look at query text before any parser sees it (size, escapes, nesting, SERVICE, FROM, updates)."""

from __future__ import annotations

import bisect
import functools
import re
import sys
from dataclasses import dataclass, field
from typing import Iterator, NamedTuple
from urllib.parse import urljoin

from .errors import QueryRejected
from .limits import Limits

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# A keyword, or a prefixed name (its prefix, the colon and its local part) as one token: a name
# that starts with one of the characters of `first`, its local part only if a colon follows it.
_LOCAL = r":(?:[\w\-:%]|\\.)*(?:\.+(?:[\w\-:%]|\\.)+)*"


def _name(first: str) -> str:
    return first + r"[\w\-]*(?:\.+[\w\-]+)*(?:" + _LOCAL + ")?"


def _short(q: str) -> str:
    return q + r"(?:[^" + q + r"\\\n\r]|\\.)*" + q


def _long(q: str) -> str:
    return q * 3 + r"(?:[^" + q + r"\\]|\\.|" + q + r"(?!" + q * 2 + r"))*" + q * 3


_SHORT = {q: re.compile(_short(q)) for q in ("'", '"')}
_LONG = {q: re.compile(_long(q), re.S) for q in ("'", '"')}
# Strings read by the regex itself, as _string_at reads them (long first); a quote that opens none
# of them comes out as a `quote`, and from there on _string_at reads every quote (see _scan).
_STRINGS = "(?P<string>" + "|".join(f"(?s:{_long(q)})|(?!{q * 3}){_short(q)}" for q in ("'", '"')) + ")"


def _kinds_pattern(strings: bool) -> str:
    """Every kind but ws and comment, each picked by its first character as a per-character scan would.

    A bracket-like or lone character that starts nothing longer is `open`, `close` or `other`. A
    name starting with "_" is a `bnode`, as blank-node labels are; a non-ASCII start is checked in
    Python (`uname`), since only letters start names and a word character that is no decimal digit
    may still be a digit such as "²". Most frequent first; `uname` after `number`, which takes
    non-ASCII decimal digits.
    """
    return "|".join((
        "(?P<name>" + _name("[A-Za-z]") + "|" + _LOCAL + ")",
        r"(?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)",
        r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
        r"(?P<open>\{\|?|[(\[])",
        r"(?P<close>\|\}|[})\]])",
        r"(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)",
        r"(?P<bnode>_(?::[\w.\-]*|" + _name("") + "))",
        r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
        *([_STRINGS] if strings else []),
        r"(?P<quote>['\"])",
        r"(?P<uname>[^\W\d\x00-\x7F])",  # one character: a run of "²" must not be scanned again at each of them
        r"(?P<other>(?s:.))",
        r"(?P<end>\Z)",  # finditer searches: without it, text after a last comment would be read as tokens
    ))


_Reading = tuple[re.Pattern[str], tuple[str | None, ...]]  # a token regex, and its groups' kinds by number


def _reading(significant: bool, strings: bool) -> _Reading:
    """The token regex and each of its groups' kind by number (None for those Python reads further)."""
    if significant:  # possessive: a run of whitespace and comments is skipped once, never backtracked into
        pattern = re.compile(r"(?:\s++|#[^\n\r]*+)*+(?:" + _kinds_pattern(strings) + ")")
    else:
        pattern = re.compile(r"(?P<ws>\s+)|(?P<comment>#[^\n\r]*)|" + _kinds_pattern(strings))
    names = sorted(pattern.groupindex, key=pattern.groupindex.get)
    return pattern, (None,) + tuple(None if name in ("quote", "uname", "end") else name for name in names)


_UNAME = re.compile(_name(r"[^\W\d]"))
#: (strings read by the regex, every quote read by _string_at): all tokens, and the significant ones
_ALL = (_reading(False, True), _reading(False, False))
_SIGNIFICANT = (_reading(True, True), _reading(True, False))

QUERY_FORMS = {"SELECT": "results", "ASK": "results", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})


class Token(NamedTuple):
    """One token: ``kind`` is ws, comment, string, iri, var, bnode, lang, name, number, open, close or other."""

    # A named tuple rather than a frozen dataclass: the guard builds one per token of every new
    # query text, and a dataclass's frozen __init__ cost four times as much.
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> Iterator[Token]:
    """Split SPARQL text into tokens in linear time; unterminated strings fall back to single characters.

    The fallback is on purpose: text the tokenizer cannot read as a string is scanned as tokens,
    so a keyword is never hidden inside something the real parser would not read as a string.

    >>> [t.text for t in tokenize("ASK { ?s <p> 'x' } # c") if t.kind != "ws"]
    ['ASK', '{', '?s', '<p>', "'x'", '}', '# c']
    """
    return _scan(text, _ALL)


def _significant(text: str) -> tuple[Token, ...]:
    """The tokens without whitespace and comments, which are skipped inside the regex, never built."""
    return tuple(_scan(text, _SIGNIFICANT))


def _scan(text: str, readings: tuple[_Reading, _Reading]) -> Iterator[Token]:
    (pattern, kinds), careful = readings
    new, p, no_string_before = tuple.__new__, 0, {}  # see _string_at for no_string_before
    while True:
        for m in pattern.finditer(text, p):
            i = m.lastindex  # the kind's group: by number, as a name costs a dictionary look-up per token
            if kind := kinds[i]:
                yield new(Token, (kind, m[i], m.start(i)))
                continue
            start, end = m.span(i)
            if start == len(text):
                return
            if text[start] in "'\"":  # no string opens here: the regex would scan as far again at each later quote
                pattern, kinds = careful
            kind, p = _read_further(text, start, end, no_string_before)
            yield new(Token, (kind, text[start:p], start))
            if p != end or pattern is not m.re:  # not the token matched, or another regex: go on from its end
                break
        else:
            return


def _read_further(text: str, start: int, end: int, no_string_before: dict[str, int]) -> tuple[str, int]:
    """A quote opens a string if one can be read there; a non-ASCII character starts a name only if it is a letter."""
    c = text[start]
    if c in "'\"":
        s = _string_at(text, start, c, no_string_before)
        return ("string", s.end()) if s else ("other", end)
    return ("name", _UNAME.match(text, start).end()) if c.isalpha() else ("other", end)


def _line_end(text: str, p: int) -> int:
    ends = [i for i in (text.find("\n", p), text.find("\r", p)) if i >= 0]
    return min(ends) if ends else len(text)


def _string_at(text: str, p: int, quote: str, no_string_before: dict[str, int]):
    long = text.startswith(quote * 3, p)
    key = quote * (3 if long else 1)
    if p < no_string_before.get(key, -1):
        return _SHORT[quote].match(text, p) if long else None
    m = (_LONG if long else _SHORT)[quote].match(text, p)
    if m is None:
        no_string_before[key] = len(text) if long else _line_end(text, p)
        if long:  # '''' may still open a short string ''
            return _SHORT[quote].match(text, p)
    return m


@dataclass(frozen=True)
class _View:
    """The query as one parser may read it: tokens without whitespace and comments, and a position map."""

    text: str
    tokens: tuple[Token, ...]
    #: the text in upper case, where a keyword no token could spell is ruled out at C speed, not token
    #: by token (upper() maps each character alone, so a token's upper() is a part of it)
    words: str
    offsets: tuple[tuple[int, int], ...] = ()  # (position in this view, position in the original text)

    def original(self, pos: int) -> int:
        if not self.offsets:
            return pos
        i = bisect.bisect_right(self.offsets, (pos, sys.maxsize)) - 1
        view_at, orig_at = self.offsets[i] if i >= 0 else (0, 0)
        return orig_at + (pos - view_at)


def decode_escapes(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Decode SPARQL's ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes, which are allowed anywhere in a query.

    :return: the decoded text and (decoded position, original position) pairs after each escape.
    :raises QueryRejected: for an escape that names no valid character.

    >>> decode_escapes(r"\\u0053ERVICE")[0]
    'SERVICE'
    """
    if "\\u" not in text and "\\U" not in text:
        return text, ()
    out, offsets, last, shift = [], [(0, 0)], 0, 0
    for m in _ESCAPE.finditer(text):
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            line, col = line_column(text, m.start())
            raise QueryRejected(400, f"invalid character escape {m.group()}", line, col)
        out.append(text[last : m.start()])
        out.append(chr(code))
        shift += len(m.group()) - 1
        last = m.end()
        offsets.append((m.end() - shift, m.end()))
    out.append(text[last:])
    return "".join(out), tuple(offsets)


def line_column(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of character ``pos`` in ``text``.

    >>> line_column("a\\nbc", 3)
    (2, 2)
    """
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


@dataclass(frozen=True)
class QueryPlan:
    """What the guard learnt: the query form (SELECT…, or None if unknown) and the FROM / FROM NAMED graphs."""

    form: str | None
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()
    from_places: tuple[tuple[str, tuple[int, int]], ...] = field(default=(), repr=False, compare=False)
    #: the query's own top-level LIMIT (None when it has none): at most this many rows come back
    limit: int | None = None

    @property
    def has_dataset(self) -> bool:
        """Whether the query names its own dataset with FROM or FROM NAMED."""
        return bool(self.from_graphs or self.from_named)

    @property
    def result_kind(self) -> str | None:
        """``results`` for SELECT/ASK, ``graph`` for CONSTRUCT/DESCRIBE, None when unknown."""
        return QUERY_FORMS.get(self.form or "")


def check_query(
    text: str, limits: Limits = Limits(), graphs: frozenset[str] | None = None, base_iri: str | None = None
) -> QueryPlan:
    """Vet query text before any parser sees it; raise :class:`QueryRejected` saying what and where.

    Checks, in order: size (413), ``\\u`` escapes, bracket nesting of ``{ ( [`` outside strings,
    IRIs and comments (400), ``SERVICE`` as a keyword in any case or escape spelling (400), SPARQL
    Update (400), and ``FROM`` / ``FROM NAMED`` naming a graph that is not in ``graphs`` (400).
    The text is read both as written and with its escapes decoded, and refused if either reading fails.

    :param text: the query text.
    :param limits: the size and nesting limits.
    :param graphs: the named graphs in the store; None skips the FROM check.
    :param base_iri: the IRI relative IRIs resolve against (the endpoint's URL for the protocol).

    >>> check_query("SELECT * WHERE { ?s ?p 'SERVICE' }").form
    'SELECT'
    >>> check_query("ASK { \\\\u0053ERVICE <http://example.org/> {} }")
    Traceback (most recent call last):
    ...
    lemap_graph.engine.errors.QueryRejected: 400: SERVICE is not allowed: this endpoint makes no outbound requests (line 1, column 7)
    """
    vet = _vet_remembered if len(text) <= REMEMBERED_CHARS else _vet
    plans = vet(text, limits.max_query_bytes, limits.max_nesting, base_iri)
    if graphs is not None:  # the store's graphs change: this part is never remembered
        for plan in plans:
            _check_from(plan, graphs)
    return plans[-1]


def _vet(text: str, max_bytes: int, max_nesting: int, base_iri: str | None) -> tuple[QueryPlan, ...]:
    """Every check that depends on the text alone; a plan per reading (as written, escapes decoded)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise QueryRejected(413, f"the query is {size} bytes; the limit is {max_bytes} bytes")
    decoded, offsets = decode_escapes(text)
    views = [_View(text, _significant(text), text.upper())]
    if offsets:
        views.append(_View(decoded, _significant(decoded), decoded.upper(), offsets))
    for view in views:
        _check_nesting(view, text, max_nesting)
    for view in views:
        _check_service(view, text)
    return tuple(_plan(view, text, base_iri) for view in views)


#: Texts up to this many characters have their verdict remembered, so the cache holds at most
#: REMEMBERED_VERDICTS × REMEMBERED_CHARS characters (about 2 MB); longer ones are vetted every time.
REMEMBERED_CHARS = 4096
REMEMBERED_VERDICTS = 512
# Clients repeat the same query text (pages, dashboards, polling scripts): tokenizing it again costs
# more than the rest of the web tier's work for a small answer. Only passing verdicts are kept
# (lru_cache keeps nothing when the call raises), and they are pure functions of the arguments.
_vet_remembered = functools.lru_cache(maxsize=REMEMBERED_VERDICTS)(_vet)


def _reject(view: _View, original: str, pos: int, message: str, status: int = 400) -> QueryRejected:
    line, col = line_column(original, view.original(pos))
    return QueryRejected(status, message, line, col)


def _check_nesting(view: _View, original: str, limit: int) -> None:
    if sum(map(view.text.count, "{([")) <= limit:  # each open token starts with one of these characters
        return
    depth = 0
    for t in view.tokens:
        if t.kind == "open":
            depth += 1
            if depth > limit:
                raise _reject(view, original, t.pos, f"the query nests brackets deeper than {limit} levels")
        elif t.kind == "close":
            depth = max(0, depth - 1)


def _check_service(view: _View, original: str) -> None:
    if "SERVICE" not in view.words:
        return
    for t in view.tokens:
        if t.kind == "name" and t.text.upper() == "SERVICE":
            raise _reject(view, original, t.pos, "SERVICE is not allowed: this endpoint makes no outbound requests")


def _plan(view: _View, original: str, base: str | None) -> QueryPlan:
    tokens, i, prefixes = view.tokens, 0, {}
    while i < len(tokens) and tokens[i].kind == "name" and tokens[i].text.upper() in ("BASE", "PREFIX"):
        if tokens[i].text.upper() == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = _resolve(tokens[i + 1].text[1:-1], base)
            i += 2
        elif i + 2 < len(tokens) and tokens[i + 1].kind == "name" and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text.rstrip(":").split(":")[0]] = _resolve(tokens[i + 2].text[1:-1], base)
            i += 3
        else:
            break
    form = tokens[i].text.upper() if i < len(tokens) and tokens[i].kind == "name" else None
    if form in UPDATE_KEYWORDS:
        raise _reject(view, original, tokens[i].pos, f"SPARQL Update ({form}) is not accepted: this endpoint is read-only")
    if form not in QUERY_FORMS:
        form = None
    limit = _top_limit(tokens) if "LIMIT" in view.words else None
    if "FROM" not in view.words:
        return QueryPlan(form, limit=limit)
    from_graphs, from_named = _from_clauses(view, original, prefixes, base)
    return QueryPlan(
        form,
        tuple(iri for iri, _ in from_graphs),
        tuple(iri for iri, _ in from_named),
        tuple(from_graphs + from_named),
        limit,
    )


def _top_limit(tokens: tuple[Token, ...]) -> int | None:
    """The ``LIMIT n`` outside every bracket (the outer query's, not a subquery's), if any.

    >>> _top_limit(_significant("SELECT * { { SELECT * {} LIMIT 9 } } LIMIT 5"))
    5
    >>> _top_limit(_significant("SELECT * { { SELECT * {} LIMIT 9 } }")) is None
    True
    """
    depth, found = 0, None
    for i, t in enumerate(tokens):
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            depth = max(0, depth - 1)
        elif depth == 0 and t.kind == "name" and t.text.upper() == "LIMIT" and i + 1 < len(tokens):
            following = tokens[i + 1]
            if following.kind == "number" and following.text.isdigit():
                found = int(following.text)
    return found


def _from_clauses(view: _View, original: str, prefixes: dict[str, str], base: str | None):
    tokens, default, named = view.tokens, [], []
    for i, t in enumerate(tokens):
        if t.kind != "name" or t.text.upper() != "FROM":
            continue
        j = i + 1
        is_named = j < len(tokens) and tokens[j].kind == "name" and tokens[j].text.upper() == "NAMED"
        j += is_named
        target = tokens[j] if j < len(tokens) else None
        iri = _iri_of(target, prefixes, base)
        if iri is None:
            raise _reject(view, original, t.pos, "FROM must name a graph of this store by its IRI")
        (named if is_named else default).append((iri, line_column(original, view.original(t.pos))))
    return default, named


def _iri_of(token: Token | None, prefixes: dict[str, str], base: str | None) -> str | None:
    if token is None:
        return None
    if token.kind == "iri":
        return _resolve(token.text[1:-1], base)
    if token.kind == "name" and ":" in token.text:
        prefix, local = token.text.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri) else iri


def _check_from(plan: QueryPlan, graphs: frozenset[str]) -> None:
    for iri, (line, col) in plan.from_places:
        if iri not in graphs:
            message = f"FROM <{iri}>: no such graph in this store (graphs are never fetched from the web)"
            raise QueryRejected(400, message, line, col)
