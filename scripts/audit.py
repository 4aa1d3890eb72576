"""``make audit``: check the locked dependencies against vulnerability databases, where one is reachable.

Python: ``pip-audit`` over ``requirements.lock`` (and ``requirements-bench.lock``), pinned and with
hashes, so nothing is resolved; it asks PyPI's JSON API or OSV. JavaScript: ``npm audit`` over
``package-lock.json``. A database that cannot be reached (a machine without that access) is said
so plainly and skipped with exit 0, so the target never fails for want of a network; vulnerabilities
found where a database answers make it exit 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = "pip-audit==2.10.1"
LOCKS = ("requirements.lock", "requirements-bench.lock")
#: Where pip-audit's two vulnerability services answer for one release: PyPI's JSON API and OSV.
SERVICES = {"pypi": ("GET", "https://pypi.org/pypi/{name}/{version}/json", None),
            "osv": ("POST", "https://api.osv.dev/v1/query",
                    b'{"package": {"name": "{name}", "ecosystem": "PyPI"}, "version": "{version}"}')}


def first_pin(lock: Path) -> tuple[str, str]:
    """The first ``name==version`` a lock file pins."""
    for line in lock.read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split(" ")[0].split("==")
            return name, version
    raise SystemExit(f"audit: {lock} pins nothing")


def reachable_service() -> str | None:
    """The first pip-audit vulnerability service that answers for a locked release from this machine, or None.

    A proxy may let the package index through but not the release pages pip-audit reads, so the
    probe asks for exactly what pip-audit will.
    """
    name, version = first_pin(ROOT / LOCKS[0])
    for service, (method, url, body) in SERVICES.items():
        url = url.format(name=name, version=version)
        body = body and body.replace(b"{name}", name.encode()).replace(b"{version}", version.encode())
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                if response.status == 200 and json.loads(response.read()):
                    return service
        except (OSError, ValueError):  # unreachable, refused by a proxy, or not JSON
            continue
    return None


def audit_python() -> int:
    """pip-audit every lock file (from a venv of its own), or say why not; its exit status."""
    service = reachable_service()
    if service is None:
        print("audit: Python: SKIPPED, no vulnerability database is reachable from this machine "
              f"(tried {', '.join(url.split('{')[0] for _, url, _ in SERVICES.values())}); run `make audit` where one is.")
        return 0
    venv = ROOT / ".venv" / "audit"
    if not (venv / "bin" / "pip-audit").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", PIP_AUDIT], check=True)
    status = 0
    for lock in (ROOT / name for name in LOCKS if (ROOT / name).exists()):
        print(f"audit: Python: pip-audit -s {service} -r {lock.name}", flush=True)
        done = subprocess.run([str(venv / "bin" / "pip-audit"), "-s", service, "--require-hashes", "--disable-pip",
                               "--progress-spinner", "off", "-r", str(lock)])
        status = status or done.returncode
    return status


def audit_npm() -> int:
    """``npm audit`` of package-lock.json, or say why not; 1 when it reports vulnerabilities."""
    try:
        done = subprocess.run(["npm", "audit", "--package-lock-only", "--json"], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"audit: npm: SKIPPED, npm audit could not run: {e}")
        return 0
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = {"message": (done.stderr or done.stdout).strip()[-300:]}
    line, status = npm_verdict(report)
    print(line)
    return status


def npm_verdict(report: dict) -> tuple[str, int]:
    """What ``npm audit --json`` said, as a line to print and an exit status (1 only for vulnerabilities found).

    >>> npm_verdict({"message": "405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk"})[1]
    0
    >>> npm_verdict({"auditReportVersion": 2, "metadata": {"vulnerabilities": {"high": 1, "low": 0, "total": 1}}})
    ("audit: npm: 1 known vulnerabilities in package-lock.json {'high': 1}", 1)
    """
    if "auditReportVersion" not in report:
        reason = report.get("message") or report.get("error", {}).get("summary", "no answer")
        return f"audit: npm: SKIPPED, the npm vulnerability database is not reachable from this machine ({reason})", 0
    counts = report.get("metadata", {}).get("vulnerabilities", {})
    found = {k: v for k, v in counts.items() if k != "total" and v}
    return f"audit: npm: {counts.get('total', 0)} known vulnerabilities in package-lock.json {found or ''}".rstrip(), \
        (1 if counts.get("total") else 0)


def main() -> int:
    """Audit both ecosystems; 1 when either found a vulnerability, else 0."""
    return 1 if (audit_python() | audit_npm()) else 0


if __name__ == "__main__":
    sys.exit(main())
