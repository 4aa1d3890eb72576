"""The upload worker: parse and validate an upload in a separate process, killed past a time and memory limit.

The web process never parses an upload. :func:`check_in_worker` writes the upload, the graph it
refers to (N-Quads) and a request into a private temporary folder, then runs
``python -m lemap_graph.partner.worker FOLDER`` with the venv's interpreter. The child caps its
address space (``RLIMIT_AS``), leaves the network where the system allows it, parses with
pyoxigraph, validates (:mod:`.checking`) and writes back the upload's canonical N-Triples and a
JSON report. A child that runs past the time limit is killed; one that dies (pyoxigraph aborts on
some hostile inputs the guard did not catch) is reported as a refusal, and the server goes on.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..store import PROJECT_ROOT
from .guard import UploadKind, UploadLimits, UploadRefused, decode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """One file to check: a name for messages (a file name or ``upload``), its bytes and its format."""

    name: str
    body: bytes
    kind: UploadKind


@dataclass(frozen=True)
class Checked:
    """What the worker sends back: the report (see :class:`~.checking.UploadReport`) and the upload as N-Triples."""

    report: "object"
    ntriples: bytes


def check_in_worker(uploads: list[Upload], *, context: bytes, base_iri: str, dataset: str,
                    description: bytes = b"", exclude: tuple[str, ...] = (), contexts: dict[str, dict] | None = None,
                    limits: UploadLimits = UploadLimits()) -> Checked:
    """Parse and validate ``uploads`` in a worker process; the parse never happens in this one.

    :param uploads: the files, already through :func:`~.guard.check_upload`.
    :param context: the graph they refer to, as N-Quads (``engine.dump()``).
    :param base_iri: the IRI relative IRIs resolve against, and new CSV entities are minted under.
    :param dataset: the partner dataset's IRI (the graph the upload would go into).
    :param description: N-Triples that will stand beside the upload (the dataset's provenance).
    :param exclude: graphs of ``context`` to leave out (the graph a PUT replaces).
    :param contexts: JSON-LD context URLs that may be named, with their content (never fetched).
    :param limits: the worker's time and memory limits.
    :raises UploadRefused: 400 for what does not parse or is refused, 413 past a limit.
    """
    from .checking import UploadReport

    with tempfile.TemporaryDirectory(prefix="lemap-upload-") as tmp:
        folder = Path(tmp)
        files = []
        for i, up in enumerate(uploads):
            (folder / f"upload-{i}").write_bytes(up.body)
            files.append({"file": f"upload-{i}", "name": up.name, "kind": up.kind.name})
        (folder / "context.nq").write_bytes(context)
        request = {"uploads": files, "base_iri": base_iri, "dataset": dataset, "description": description.decode(),
                   "exclude": list(exclude), "contexts": contexts or {}, "memory_mb": limits.memory_mb}
        (folder / "request.json").write_text(json.dumps(request))
        _run(folder, limits)
        answer = json.loads((folder / "answer.json").read_text())
        if not answer["ok"]:
            e = answer["error"]
            raise UploadRefused(e["status"], e["message"], e.get("line"), e.get("column"), e.get("file"))
        return Checked(UploadReport.from_json(answer["report"]), (folder / "upload.nt").read_bytes())


def _run(folder: Path, limits: UploadLimits) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)}
    try:
        proc = subprocess.run([sys.executable, "-m", "lemap_graph.partner.worker", str(folder)], cwd=str(PROJECT_ROOT), env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=limits.timeout)
    except subprocess.TimeoutExpired:  # subprocess.run has killed it
        raise UploadRefused(413, f"checking the upload took longer than {limits.timeout:g} s (LEMAP_UPLOAD_TIMEOUT) and was "
                            "stopped: it is too large or too complex") from None
    if proc.returncode != 0 or not (folder / "answer.json").is_file():
        log.warning("the upload worker ended with status %s: %s", proc.returncode, proc.stderr.decode(errors="replace")[-2000:])
        raise _death(proc.returncode, b"MemoryError" in proc.stderr or b"SystemError" in proc.stderr, limits)


def _death(code: int, out_of_memory: bool, limits: UploadLimits) -> UploadRefused:
    if out_of_memory:
        return UploadRefused(413, f"checking the upload needed more than {limits.memory_mb} MiB of memory "
                             "(LEMAP_UPLOAD_MEMORY_MB) and was stopped")
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if name == "SIGABRT":
            return UploadRefused(413, f"checking the upload needed more than {limits.memory_mb} MiB of memory "
                                 "(LEMAP_UPLOAD_MEMORY_MB) and was stopped")
        return UploadRefused(400, f"the parser stopped on this upload ({name}): it is malformed or nested too deeply")
    return UploadRefused(400, f"the upload could not be checked (the worker exited with status {code})")


# --- the child process ------------------------------------------------------------------------------


def main(folder: Path) -> None:
    """Entry point of the worker process: read the request in ``folder``, write ``answer.json`` (and ``upload.nt``)."""
    request = json.loads((folder / "request.json").read_text())
    _limit_memory(int(request.get("memory_mb") or 0))
    _isolate_network()
    try:
        report, ntriples = _work(folder, request)
        (folder / "upload.nt").write_bytes(ntriples)
        answer = {"ok": True, "report": report.to_json()}
    except UploadRefused as e:
        answer = {"ok": False, "error": e.to_dict()}
    except (MemoryError, SystemError):  # CPython reports some failed allocations as SystemError
        answer = {"ok": False, "error": UploadRefused(413, f"checking the upload needed more than {request.get('memory_mb')} "
                                                      "MiB of memory (LEMAP_UPLOAD_MEMORY_MB) and was stopped").to_dict()}
    except RecursionError:
        answer = {"ok": False, "error": UploadRefused(400, "the upload is nested too deeply to be checked").to_dict()}
    (folder / "answer.json").write_text(json.dumps(answer))


def _work(folder: Path, request: dict):
    from dataclasses import replace

    from ..store import GRAPH_BASE
    from .checking import LEMAP, Context, canonical_ntriples, check_iris, parse_rdf, skolemize, validate_upload
    from .csvtemplate import convert

    context = Context.from_nquads((folder / "context.nq").read_bytes(), request["exclude"])
    names = context.names()
    triples, files, errors, unmatched = [], {}, [], []
    for up in request["uploads"]:
        body = (folder / up["file"]).read_bytes()
        try:
            text = decode(body)
            if up["kind"] == "csv":
                conversion = convert(text, names, request["base_iri"], request["dataset"])
                part, errors, unmatched = conversion.triples, errors + conversion.errors, unmatched + conversion.unmatched
            else:
                part = parse_rdf(body, up["kind"], request["base_iri"], request["contexts"])
            check_iris(part, text)
            part = skolemize(part, f"{LEMAP}.well-known/genid/{request['dataset'].removeprefix(GRAPH_BASE)}/")
        except UploadRefused as e:
            raise UploadRefused(e.status, e.message, e.line, e.column, up["name"]) from None
        files.update({t.subject.value: up["name"] for t in part if isinstance(t.subject, ox.NamedNode)})
        triples += part
    description = list(ox.parse(request["description"].encode(), format=ox.RdfFormat.N_TRIPLES)) if request["description"] else []
    report = validate_upload(triples, context, extra=description, files=files, names=names)
    report = replace(report, conforms=report.conforms and not errors, results=tuple(errors) + report.results,
                     unmatched=tuple(unmatched))
    return report.linked(context.known_iris()), canonical_ntriples(triples)


def _limit_memory(mb: int) -> None:
    if mb > 0:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (mb * 1024 * 1024, mb * 1024 * 1024))
        except (ValueError, OSError):
            pass


def _isolate_network() -> None:
    """Move this process into a network namespace of its own (no route anywhere), where the system allows it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (0x40000000, 0x40000000 | 0x10000000):  # CLONE_NEWNET, then with CLONE_NEWUSER
            if libc.unshare(flags) == 0:
                return
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    main(Path(sys.argv[1]))
