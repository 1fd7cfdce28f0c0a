"""pg_cut.py - a TCP proxy in front of PostgreSQL that loses a session at
its COMMIT, for the tests of what a worker answers then.

The proxy listens on 127.0.0.1 and passes every session through to the
server's unix socket, reading the client's messages (the PostgreSQL
frontend/backend protocol, version 3) as they go. The first COMMIT of any
session is cut, whether it comes as a simple query or in a pipeline (a
Parse of "COMMIT" after the statement it goes with, up to the Sync):

  after   forwarded, then both connections closed before the server's
          reply can pass: the server commits, the client never learns it
  before  both connections closed instead: the server sees its client go
          in the middle of a transaction and rolls it back

A session started after the cut passes through untouched, unless
refuse_after_cut is set: then it is closed as soon as it arrives, as if
the server stayed out of reach.

With xact_status_of set (a transaction id, as text), a statement that asks
pg_xact_status() gets that id as its first parameter instead of the one the
client sent: the client learns of another transaction as if it were its
own, which is what a transaction id given again after a crash or a
failover looks like to it. Python 3 standard library only.

    with CommitCut(ctx.database, "after") as cut:
        run the worker with SCIM_DATABASE=cut.conninfo
        assert cut.happened.is_set()
"""

import socket
import struct
import threading

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


def _conninfo_values(conninfo):
    """The key=value pairs of a libpq connection string without quoting
    (as scripts/test writes it)."""
    return dict(part.split("=", 1) for part in conninfo.split() if "=" in part)


def _recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class CommitCut:
    """The proxy, for the server of conninfo (host=DIRECTORY port=N ...);
    mode is "after" or "before" (see the module)."""

    def __init__(self, conninfo, mode, refuse_after_cut=False, xact_status_of=None):
        assert mode in ("after", "before"), mode
        values = _conninfo_values(conninfo)
        self.socket_path = "%s/.s.PGSQL.%s" % (values["host"], values.get("port", "5432"))
        self.mode = mode
        self.refuse_after_cut = refuse_after_cut
        self.xact_status_of = xact_status_of
        self.status_asked = threading.Event()
        self.happened = threading.Event()
        self.pipelined = None  # whether the COMMIT cut came in a pipeline
        self.sessions = 0
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        port = self._listener.getsockname()[1]
        self.conninfo = ("host=127.0.0.1 port=%d dbname=%s user=%s sslmode=disable gssencmode=disable"
                         % (port, values.get("dbname", "scim"), values.get("user", "scim")))
        self._open = []
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._listener.close()
        with self._lock:
            for sock in self._open:
                _hang_up(sock)

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.sessions += 1
            if self.refuse_after_cut and self.happened.is_set():
                _hang_up(client)
                continue
            server = socket.socket(socket.AF_UNIX)
            try:
                server.connect(self.socket_path)
            except OSError:
                _hang_up(client)
                continue
            with self._lock:
                self._open += [client, server]
            muted = threading.Event()  # no reply of this session passes any more
            threading.Thread(target=self._pump_replies, args=(server, client, muted),
                             daemon=True).start()
            threading.Thread(target=self._pump_messages, args=(client, server, muted),
                             daemon=True).start()

    def _pump_replies(self, server, client, muted):
        """Everything the server sends, as it is."""
        try:
            while True:
                data = server.recv(65536)
                if not data or muted.is_set():
                    break
                client.sendall(data)
        except OSError:
            pass
        _hang_up(client)
        _hang_up(server)

    def _cut(self, pipelined):
        """Is this COMMIT the one to cut (the first of all sessions)?"""
        with self._lock:
            cut = not self.happened.is_set()
            if cut:
                self.pipelined = pipelined
            self.happened.set()
        return cut

    def _pump_messages(self, client, server, muted):
        """The client's messages one by one: first the untyped start-up
        ones (an SSL or GSS request the server declines, then the startup
        message), then typed ones, the first COMMIT of all cut."""
        statements = {}  # prepared statement name -> its text
        try:
            while True:
                head = _recv_exactly(client, 8)
                length, code = struct.unpack("!ii", head)
                server.sendall(head + _recv_exactly(client, length - 8))
                if code not in (SSL_REQUEST, GSSENC_REQUEST):
                    break
            while True:
                head = _recv_exactly(client, 5)
                length = struct.unpack("!i", head[1:])[0]
                message = head + _recv_exactly(client, length - 4)
                if head[:1] == b"P":
                    name, text = message[5:].split(b"\0")[:2]
                    statements[name] = text
                elif (head[:1] == b"B" and self.xact_status_of is not None and
                      b"pg_xact_status" in statements.get(message[5:].split(b"\0")[1], b"")):
                    message = _bind_first_value(message, self.xact_status_of.encode())
                    self.status_asked.set()
                if head[:1] == b"Q" and message[5:].rstrip(b"\0").strip().upper() == b"COMMIT":
                    if self._cut(pipelined=False):
                        # The client first, so that no reply reaches it.
                        _hang_up(client)
                        if self.mode == "after":
                            server.sendall(message)
                        break
                if (head[:1] == b"P" and
                        message[5:].split(b"\0")[1].strip().upper() == b"COMMIT" and
                        self._cut(pipelined=True)):
                    # In a pipeline: the server answers at the Sync, so the
                    # replies stop now, and in "after" mode everything up to
                    # the Sync goes through.
                    muted.set()
                    while self.mode == "after":
                        server.sendall(message)
                        if head[:1] == b"S":
                            break
                        head = _recv_exactly(client, 5)
                        length = struct.unpack("!i", head[1:])[0]
                        message = head + _recv_exactly(client, length - 4)
                    break
                server.sendall(message)
        except (OSError, EOFError):
            pass
        _hang_up(client)
        _hang_up(server)


def _bind_first_value(message, value):
    """Bind message with value (text) as its first parameter: a portal and
    a statement name, the parameters' format codes, then the parameters,
    each as a length and its bytes (length -1 for NULL), then the result
    format codes."""
    body = message[5:]
    pos = body.index(b"\0", body.index(b"\0") + 1) + 1
    formats = struct.unpack_from("!h", body, pos)[0]
    pos += 2 + 2 * formats
    assert struct.unpack_from("!h", body, pos)[0] >= 1, "a Bind without parameters"
    pos += 2
    length = struct.unpack_from("!i", body, pos)[0]
    body = body[:pos] + struct.pack("!i", len(value)) + value + body[pos + 4 + max(length, 0):]
    return b"B" + struct.pack("!i", len(body) + 4) + body


def _hang_up(sock):
    """Close sock, waking a thread that waits on it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
