"""``make loadtest``: do light clients keep their speed while two others send cartesian queries?

Starts ``lemap serve`` (granian, the production server) on a random loopback port over the built
store, then runs locust in this process, headless: first the light clients alone for a fixed time,
then the same light clients beside abusive ones for the same time. Light clients open the home
page, entity pages (``/id/…``), named-query APIs (``/q/<name>.json``) and small SPARQL queries;
abusive clients POST ``SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }`` to
``/sparql`` back to back. It prints, for each phase, the light clients' requests per second, p50
and p99, and the status counts of each kind of client (``--json`` writes them too). Every request
goes to 127.0.0.1; both phases stop by themselves.

    python -m bench.loadtest [--light 50] [--abusive 2] [--seconds 30] [--store .lemap/store] [--json FILE]
"""

# locust runs its users as gevent greenlets: the standard library must be patched before anything
# else imports socket or ssl (this module is run as a program, never imported by the app or tests).
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, between, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402

from bench import servers  # noqa: E402
from lemap_graph.store import store_path_from_env  # noqa: E402

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: Named queries without parameters that a visitor's pages and API clients call, and two with one.
NAMED = ("countries", "documents", "key-populations", "graphs", "adoption-steps", "unodc-partners",
         "pilot-referral-schemes", "country-by-iso-code?code=AFG", "country-by-iso-code?code=UKR")
SMALL_SPARQL = (
    "ASK { ?s ?p ?o }",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 10",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/2004/02/skos/core#Concept> }",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { <https://w3id.org/lemap/id/country/AFG> ?p ?o } GROUP BY ?p",
)
ID_BASE = "https://w3id.org/lemap/id/"
RESULTS_JSON = {"Accept": "application/sparql-results+json", "Content-Type": "application/sparql-query"}


@dataclass
class Recorder:
    """Every finished request: its kind and route (``light /id/…``), status (0: no answer), seconds, and when it ended."""

    rows: list[tuple[str, int, float, float]] = field(default_factory=list)
    started: Counter = field(default_factory=Counter)

    def __call__(self, request_type, name, response_time, response_length, response=None, exception=None, **kw):
        """locust's ``request`` event: keep what this report needs."""
        status = getattr(response, "status_code", 0) or 0
        self.rows.append((name, int(status), response_time / 1000, time.monotonic()))


class _Client(FastHttpUser):
    """A user with an address of its own: every simulated client is one person, as the per-client limits see them.

    The users all connect from loopback, so the server is told (``LEMAP_PROXY_HOPS=1``) to read each
    one's address from ``X-Forwarded-For``, as it does behind a reverse proxy.
    """

    abstract = True
    _next = [0]

    def on_start(self) -> None:
        self._next[0] += 1
        n = self._next[0]
        self.client_address = f"192.0.2.{n % 250 + 1}" if n < 250 else f"198.51.100.{n % 250 + 1}"  # documentation ranges

    def headers(self, extra: dict | None = None) -> dict:
        """Request headers naming this user's address."""
        return {"X-Forwarded-For": self.client_address, **(extra or {})}


class LightUser(_Client):
    """A visitor or API client: pages, entities, named queries, small SPARQL; a short pause between requests."""

    wait_time = between(0.05, 0.2)
    network_timeout = connection_timeout = 60.0
    entity_paths: list[str] = ["/id/country/AFG"]

    @task(2)
    def home(self) -> None:
        _started(self, "light")
        self.client.get("/", name="light /", headers=self.headers())

    @task(3)
    def entity(self) -> None:
        _started(self, "light")
        self.client.get(random.choice(self.entity_paths), name="light /id/…", headers=self.headers({"Accept": "text/html"}))

    @task(2)
    def named_query(self) -> None:
        name, _, args = random.choice(NAMED).partition("?")
        _started(self, "light")
        self.client.get(f"/q/{name}.json" + (f"?{args}" if args else ""), name="light /q/….json", headers=self.headers())

    @task(2)
    def small_sparql(self) -> None:
        _started(self, "light")
        self.client.post("/sparql", data=random.choice(SMALL_SPARQL), headers=self.headers(RESULTS_JSON), name="light /sparql")


class AbusiveUser(_Client):
    """A client sending the cartesian COUNT(*) back to back."""

    wait_time = constant(0)
    network_timeout = connection_timeout = 120.0
    fixed_count = 2

    @task
    def cartesian(self) -> None:
        _started(self, "abusive")
        self.client.post("/sparql", data=CARTESIAN, headers=self.headers(RESULTS_JSON), name="abusive /sparql")


def _started(user, kind: str) -> None:
    """Count a request as sent, so those still unanswered when a phase ends are reported too."""
    user.environment.recorder.started[kind] += 1


@dataclass(frozen=True)
class Phase:
    """The figures of one phase: light requests per second, p50/p99 in seconds, status counts per kind."""

    name: str
    seconds: float
    light_requests: int
    light_rps: float
    light_p50: float | None
    light_p99: float | None
    light_statuses: dict[str, int]
    abusive_statuses: dict[str, int]
    light_unanswered: int = 0
    abusive_unanswered: int = 0
    light_p50_by_route: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (nearest rank) of ``values``, or None when there are none.

    >>> percentile([0.1, 0.2, 0.3, 0.4], 50), percentile([0.1, 0.2, 0.3, 0.4], 99), percentile([], 50)
    (0.2, 0.4, None)
    """
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * q // 100) - 1))]


def summarize(name: str, recorder: Recorder, seconds: float) -> Phase:
    """One phase's figures from the recorded requests (status 0: the connection failed or timed out)."""
    rows = [(name.split(" ", 1)[0], *rest) for name, *rest in recorder.rows]
    light = [r for r in rows if r[0] == "light"]
    routes = sorted({r[0].split(" ", 1)[1] for r in recorder.rows if r[0].startswith("light ")})
    by_route = {route: percentile([r[2] for r in recorder.rows if r[0] == f"light {route}"], 50) for route in routes}
    times = [r[2] for r in light]

    def statuses(kind: str) -> dict[str, int]:
        return {(str(s) if s else "connection error"): n for s, n in sorted(Counter(r[1] for r in rows if r[0] == kind).items())}

    def unanswered(kind: str) -> int:
        return recorder.started[kind] - sum(1 for r in rows if r[0] == kind)

    return Phase(name, seconds, len(light), len(light) / seconds, percentile(times, 50), percentile(times, 99),
                 statuses("light"), statuses("abusive"), unanswered("light"), unanswered("abusive"), by_route)


def run_phase(base: str, users: list[type], count: int, seconds: float) -> Recorder:
    """Run ``count`` users of ``users`` against ``base`` for ``seconds``; what was sent and answered meanwhile."""
    recorder = Recorder()
    env = Environment(user_classes=users, host=base)
    env.recorder = recorder
    env.events.request.add_listener(recorder)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(count, spawn_rate=count)
    gevent.sleep(seconds)
    runner.quit()  # requests still in flight are dropped: reported as in flight at the end
    recorder.rows = [r for r in recorder.rows if r[3] - started <= seconds]
    return recorder


def entity_paths(base: str, limit: int = 200) -> list[str]:
    """Paths under /id/ of entities the served store holds, found through its SPARQL endpoint."""
    query = (f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), {json.dumps(ID_BASE)})) }} "
             f"ORDER BY ?s LIMIT {limit}")
    request = urllib.request.Request(base + "/sparql", data=query.encode(), headers=RESULTS_JSON)
    with urllib.request.urlopen(request, timeout=60) as response:
        rows = json.loads(response.read())["results"]["bindings"]
    return ["/id/" + urllib.parse.quote(r["s"]["value"][len(ID_BASE):], safe="/:") for r in rows] or ["/id/country/AFG"]


def measure(base: str, light: int, abusive: int, seconds: float) -> list[Phase]:
    """Light users alone, then the same beside ``abusive`` abusive users, ``seconds`` each."""
    LightUser.entity_paths = entity_paths(base)
    AbusiveUser.fixed_count = abusive
    run_phase(base, [LightUser], min(light, 10), min(3.0, seconds))  # warm-up: workers, caches, connections
    alone = summarize("alone", run_phase(base, [LightUser], light, seconds), seconds)
    crowd = [LightUser, AbusiveUser] if abusive else [LightUser]
    abused = summarize("under abuse", run_phase(base, crowd, light + abusive, seconds), seconds)
    return [alone, abused]


def render(phases: list[Phase], light: int, abusive: int) -> str:
    """The figures as a small Markdown table, and the share of their rate the light clients kept."""
    def sec(v: float | None) -> str:
        return "—" if v is None else f"{v:.2f} s"

    def counts(d: dict[str, int]) -> str:
        return ", ".join(f"{k}: {v}" for k, v in d.items()) or "—"

    lines = [f"lemap load test: {light} light clients for {phases[0].seconds:g} s alone, "
             f"then beside {abusive} clients sending a cartesian COUNT(*)", "",
             "| phase | light req/s | p50 | p99 | light statuses | light in flight at the end | abusive statuses | abusive in flight |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {p.name} | {p.light_rps:.1f} | {sec(p.light_p50)} | {sec(p.light_p99)} | {counts(p.light_statuses)} "
              f"| {p.light_unanswered} | {counts(p.abusive_statuses)} | {p.abusive_unanswered} |" for p in phases]
    lines += [""] + [f"light p50 by route, {p.name}: " + ", ".join(f"{r} {sec(v)}" for r, v in p.light_p50_by_route.items())
                     for p in phases]
    if phases[0].light_rps:
        lines += ["", f"under abuse the light clients kept {100 * phases[1].light_rps / phases[0].light_rps:.0f}% "
                      f"of their requests per second"]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: client counts, phase length, store, server settings, JSON output."""
    p = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.split("\n\n")[0])
    p.add_argument("--light", type=int, default=50, help="light clients (default 50)")
    p.add_argument("--abusive", type=int, default=2, help="abusive clients in the second phase (default 2)")
    p.add_argument("--seconds", type=float, default=30.0, help="length of each phase (default 30)")
    p.add_argument("--store", type=Path, default=None, help="the built store (default: $LEMAP_STORE or .lemap/store)")
    p.add_argument("--set", action="append", default=[], metavar="LEMAP_X=VALUE", help="a setting for the server")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve, measure, print; 2 when the store is missing or the server does not start."""
    args = parse_args(argv)
    store = args.store or store_path_from_env()
    if not (store / "CURRENT").is_file():
        print(f"loadtest: no built store at {store}: run `lemap build` (or `make build`) first", file=sys.stderr)
        return 2
    # each simulated user is a client of its own, named in X-Forwarded-For (see _Client)
    settings = {"LEMAP_PROXY_HOPS": "1", **dict(s.split("=", 1) for s in args.set)}
    with tempfile.TemporaryDirectory(prefix="lemap-loadtest-") as tmp:
        server = servers.start_lemap(store, Path(tmp) / "server.log", env=settings)
        try:
            servers.wait_until(server, lambda: servers._up(server), 120)
            servers.wait_settled([server], 60)
            phases = measure(server.url.removesuffix("/sparql"), args.light, args.abusive, args.seconds)
        except servers.ServerError as e:
            print(f"loadtest: {e}", file=sys.stderr)
            return 2
        finally:
            server.stop()
    sys.stdout.write(render(phases, args.light, args.abusive))
    if args.json:
        args.json.write_text(json.dumps([asdict(p) for p in phases], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
