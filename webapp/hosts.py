"""Which ``Host`` the app answers for, and which base its absolute URLs use.

Absolute URLs (``request.host_url``, ``url_for(..., _external=True)``) come from the request, so a
client that sends ``Host: evil.example`` would get links to it in pages, Turtle and dumps. The app
answers only the hosts of ``LEMAP_TRUSTED_HOSTS`` plus the host of ``LEMAP_PUBLIC_URL`` (any other
gets 400 with a JSON ``message``), and when ``LEMAP_PUBLIC_URL`` is set every request is seen as
made to it: its scheme, host and port, and its path as the prefix a reverse proxy strips.

werkzeug's own ``TRUSTED_HOSTS`` check cannot hold ``[::1]`` (it cuts each entry at the first
colon), so the check is done here, on the same grammar of host names.

>>> public = HostPolicy.from_config({"LEMAP_PUBLIC_URL": "https://Lemap.example.org/kg/", "LEMAP_TRUSTED_HOSTS": "localhost, [::1]"})
>>> sorted(public.trusted), public.scheme, public.netloc, public.prefix
(['[::1]', 'lemap.example.org', 'localhost'], 'https', 'lemap.example.org', '/kg')
>>> policy = HostPolicy.from_config({"LEMAP_PUBLIC_URL": "", "LEMAP_TRUSTED_HOSTS": "127.0.0.1,localhost,[::1]"})
>>> [policy.allows(h) for h in ("localhost:5000", "[::1]:8080", "LOCALHOST", "evil.example", "localhost.evil.example", "a b")]
[True, True, True, False, False, False]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlsplit

from werkzeug.wrappers import Response

# A host name or IPv4 address, or a bracketed IPv6 address; then an optional port.
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::[0-9]{1,5})?")


class SettingError(ValueError):
    """A host setting that cannot be used (a public URL without scheme or host)."""


def _name(host: str) -> str:
    """A trusted-host entry as compared: lower case, IPv6 in brackets, no port."""
    host = host.strip().lower()
    if ":" in host and not host.startswith("["):
        return f"[{host}]"  # a bare IPv6 address
    return host.split("]")[0] + "]" if host.startswith("[") else host.partition(":")[0]


@dataclass(frozen=True)
class HostPolicy:
    """The trusted host names, and the public base (scheme, host[:port], path prefix) when one is set."""

    trusted: frozenset[str]
    scheme: str = ""
    netloc: str = ""
    prefix: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "HostPolicy":
        """Read ``LEMAP_TRUSTED_HOSTS`` and ``LEMAP_PUBLIC_URL``; :class:`SettingError` for a public URL without host."""
        names = {_name(h) for h in str(config.get("LEMAP_TRUSTED_HOSTS") or "").split(",") if h.strip()}
        public = str(config.get("LEMAP_PUBLIC_URL") or "").strip()
        if not public:
            return cls(frozenset(names))
        parts = urlsplit(public)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingError(f"LEMAP_PUBLIC_URL must be an http(s) URL with a host, like https://lemap.example.org: {public!r}")
        netloc = parts.netloc.rpartition("@")[2].lower()
        return cls(frozenset(names | {_name(netloc)}), parts.scheme, netloc, parts.path.rstrip("/"))

    def allows(self, host: str) -> bool:
        """Whether a ``Host`` header value (``name[:port]``) names a trusted host."""
        found = _HOST.fullmatch(host.strip().lower())
        return bool(found) and found.group(1) in self.trusted

    def server_name(self) -> str | None:
        """Flask's ``SERVER_NAME`` for this policy: the public host, or None to use the request's."""
        return self.netloc or None


def guard(app: Callable, policy: HostPolicy) -> Callable:
    """WSGI middleware: 400 for an untrusted ``Host``; requests for a trusted one seen as made to the public base."""

    def middleware(environ: dict, start_response: Callable) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if not policy.allows(host):
            return _refusal(host)(environ, start_response)
        if policy.netloc:
            script = environ.get("SCRIPT_NAME", "")
            if not script.startswith(policy.prefix):  # Flask's test client already adds APPLICATION_ROOT
                script = policy.prefix + script
            environ = {**environ, "HTTP_HOST": policy.netloc, "wsgi.url_scheme": policy.scheme, "SCRIPT_NAME": script}
        return app(environ, start_response)

    return middleware


def _refusal(host: str) -> Response:
    message = (f"this server does not answer for the host {host[:200]!r}; "
               "ask for it by a name in LEMAP_TRUSTED_HOSTS or the host of LEMAP_PUBLIC_URL")
    response = Response(json.dumps({"message": message}), status=400, mimetype="application/json")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
