"""External SPARQL servers for the tests: ``oxigraph serve`` (PyPI) and Virtuoso Open Source 7 (Debian), on loopback.

Each server runs in a session of its own in a temporary folder (its own database files), on free
ports, and :meth:`SparqlServer.stop` ends its whole process group and nothing else. Both are
loaded through :func:`lemap_graph.engine.remote.load_sources`, the path ``lemap build --endpoint``
takes. Virtuoso answers SPARQL Update on its public endpoint only after ``GRANT SPARQL_UPDATE TO
"SPARQL"`` (done here with ``isql``); a production server would use its authenticated endpoint.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lemap_graph.engine import Limits
from lemap_graph.engine.remote import RemoteEngine

HOST = "127.0.0.1"
#: The server-side time limit the servers are started with (seconds): a backstop behind the client's.
SERVER_TIMEOUT_S = 30
#: The address space a test server may take (bytes): a query that would take more fails it, not the machine.
SERVER_MEMORY = 4 << 30
VIRTUOSO_INSTALL = "apt-get install -y virtuoso-opensource (Debian's package; .ci/run installs it)"


class ServerError(Exception):
    """A server that would not start: the message says which, why, and ends with its log."""


@dataclass
class SparqlServer:
    """A running SPARQL server: its name, process, endpoints, folder and log."""

    name: str
    proc: subprocess.Popen
    query: str
    update: str
    store: str | None
    folder: Path
    log: Path

    def engine(self, limits: Limits | None = None, **options) -> RemoteEngine:
        """A :class:`RemoteEngine` on this server."""
        return RemoteEngine(self.query, update_endpoint=self.update, store_endpoint=self.store,
                            limits=limits or Limits(), **options)

    def log_text(self) -> str:
        """The server's log so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self.proc.poll() is None

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM the server's own process group, SIGKILL it after ``grace`` seconds."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
            if self.proc.poll() is not None:
                return
            try:
                os.killpg(self.proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                return
            try:
                self.proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _launch(argv: list[str], log: Path, cwd: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=str(cwd), start_new_session=True, preexec_fn=_cap_memory)


def _cap_memory() -> None:
    # In the child before exec: Virtuoso has no per-query memory cap that stops a string blow-up.
    resource.setrlimit(resource.RLIMIT_AS, (SERVER_MEMORY, SERVER_MEMORY))


def _wait_until_answering(server: SparqlServer, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(server.query + "?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"})
    while time.monotonic() < deadline:
        if not server.alive():
            raise ServerError(f"{server.name} exited with status {server.proc.returncode}:\n{server.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(request, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    server.stop()
    raise ServerError(f"{server.name} did not answer within {seconds:g} s:\n{server.log_text()[-3000:]}")


# -- oxigraph serve ----------------------------------------------------------------------------------


def oxigraph_binary() -> str:
    """The ``oxigraph`` command (PyPI package ``oxigraph``, in the test extra)."""
    found = Path(sys.executable).parent / "oxigraph"
    if found.exists():
        return str(found)
    other = shutil.which("oxigraph")
    if other:
        return other
    raise ServerError("the oxigraph command is missing: pip install -e '.[test]' (PyPI package oxigraph==0.5.13)")


def start_oxigraph(folder: Path) -> SparqlServer:
    """``oxigraph serve`` over an on-disk store in ``folder``; the engine sends lemap's graphs as the dataset."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [oxigraph_binary(), "serve", "--location", str(folder / "db"), "--bind", f"{HOST}:{port}",
            "--timeout-s", str(SERVER_TIMEOUT_S)]
    log = folder / "oxigraph.log"
    base = f"http://{HOST}:{port}"
    server = SparqlServer("oxigraph", _launch(argv, log, folder), base + "/query", base + "/update", base + "/store", folder, log)
    _wait_until_answering(server, 60)
    return server


# -- Virtuoso Open Source 7 ------------------------------------------------------------------------------


def virtuoso_binaries() -> tuple[str, str]:
    """``virtuoso-t`` and ``isql-vt`` (Debian's names), or a ServerError saying how to install them."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    if not server or not isql:
        raise ServerError(f"Virtuoso is not installed (virtuoso-t, isql-vt): {VIRTUOSO_INSTALL}")
    return server, isql


def virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> str:
    """A virtuoso.ini whose database, log and allowed directories are all in ``folder``.

    ``ResultSetMaxRows`` must stay above lemap's row cap, or Virtuoso cuts answers silently;
    ``MaxQueryExecutionTime`` is the server's own backstop behind the client's deadline;
    ``MaxQueryMem`` bounds the memory one query's hash tables and sorts take.
    """
    vsp = "/var/lib/virtuoso-opensource-7/vsp"
    return f"""[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = {HOST}:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 60
ThreadsPerQuery = 2
MaxClientConnections = 20
MaxQueryMem = 1G

[HTTPServer]
ServerPort = {HOST}:{http_port}
ServerRoot = {vsp}
ServerThreads = 20
MaxClientConnections = 20
MaxKeepAlives = 20
KeepAliveTimeout = 10
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {SERVER_TIMEOUT_S}
"""


def start_virtuoso(folder: Path) -> SparqlServer:
    """Virtuoso with its own database in ``folder``; SPARQL Update granted to its public endpoint."""
    binary, isql = virtuoso_binaries()
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(virtuoso_ini(folder, sql_port, http_port))
    log = folder / "virtuoso.out"
    proc = _launch([binary, "+foreground", "+configfile", str(ini)], log, folder)
    base = f"http://{HOST}:{http_port}/sparql"
    server = SparqlServer("virtuoso", proc, base, base, None, folder, folder / "virtuoso.log")
    _wait_until_answering(server, 120)
    grant = subprocess.run([isql, f"{HOST}:{sql_port}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if grant.returncode != 0 or "Error" in grant.stdout + grant.stderr:
        server.stop()
        raise ServerError(f"isql could not grant SPARQL_UPDATE: {grant.stdout}{grant.stderr}")
    return server


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}
