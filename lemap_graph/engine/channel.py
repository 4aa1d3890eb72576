"""Messages between the engine's client and its pool and workers: pickled objects on a Unix socket.

The framing is ``multiprocessing.connection.Connection``'s (a 4-byte big-endian length, or -1 and an
8-byte length for larger messages), so the worker side can use ``Connection`` itself. The client
side uses the socket's own calls, which release the interpreter while they wait: a web process's
other threads keep serving while one waits for a worker's answer.

>>> from multiprocessing.connection import Connection
>>> a, b = socket.socketpair()
>>> Channel(a).send({"op": "ping"})
>>> Connection(b.detach()).recv()
{'op': 'ping'}
"""

from __future__ import annotations

import pickle
import socket
import struct

_SHORT = struct.Struct("!i")
_LONG = struct.Struct("!Q")


class Channel:
    """One end of a connection to a pool or a worker."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    @classmethod
    def connect(cls, path: str) -> "Channel":
        """Connect to the Unix socket at ``path`` (raises OSError when nothing listens there)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError:
            sock.close()
            raise
        return cls(sock)

    def send(self, obj) -> None:
        """Send one object."""
        self.send_frame(frame(obj))

    def send_frame(self, data: bytes) -> None:
        """Send one object already made into a frame by :func:`frame`."""
        self.sock.settimeout(None)
        self.sock.sendall(data)

    def recv(self, timeout: float | None):
        """Receive one object, waiting at most ``timeout`` seconds for it to begin.

        :raises TimeoutError: nothing arrived in time.
        :raises EOFError: the other end closed the connection.
        """
        self.sock.settimeout(timeout)
        try:
            first = self._exactly(_SHORT.size)
        except socket.timeout:
            raise TimeoutError from None
        self.sock.settimeout(None)  # once a message begins, it is read to its end
        (size,) = _SHORT.unpack(first)
        if size == -1:
            (size,) = _LONG.unpack(self._exactly(_LONG.size))
        return pickle.loads(self._exactly(size))

    def _exactly(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise EOFError("the other end closed the connection")
            buf += chunk
        return bytes(buf)

    def close(self) -> None:
        """Close the connection."""
        try:
            self.sock.close()
        except OSError:
            pass


def frame(obj) -> bytes:
    """One object as the bytes :meth:`Channel.send` writes: its length, then its pickle."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return (_SHORT.pack(len(data)) if len(data) <= 0x7FFFFFFF else _SHORT.pack(-1) + _LONG.pack(len(data))) + data
