"""A loopback TCP proxy a test controls: put it between the app and a server, then cut it.

    proxy = TcpProxy("127.0.0.1", 5432).start()   # the app connects to 127.0.0.1:proxy.port
    proxy.cut()                                   # drop every open connection now
    proxy.refuse()                                # new connections are closed at once ...
    proxy.resume()                                # ... until this
    proxy.cut_on(b'INSERT INTO "incidents_report"')  # drop everything when the app sends this

Only for tests: one thread per direction of each connection, no buffering beyond one read.
"""

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._refusing = False
        self._trigger: tuple[bytes, bool] | None = None
        self._then_refuse = False
        self._closed = False
        self.cuts = 0
        self.connections = 0
        self.fired = threading.Event()

    # --- control -------------------------------------------------------------------------

    def start(self) -> "TcpProxy":
        threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True).start()
        return self

    def cut(self) -> None:
        """Drop every open connection, both ways, at once."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
            self.cuts += 1
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def refuse(self) -> None:
        """Close new connections as soon as they arrive (the server looks down)."""
        self._refusing = True

    def resume(self) -> None:
        self._refusing = False
        self._trigger = None

    def cut_on(self, pattern: bytes, *, forward: bool = False, then_refuse: bool = False) -> None:
        """Cut everything when a client sends PATTERN (after passing it on if FORWARD).

        With THEN_REFUSE the proxy also refuses new connections until resume(), so the app
        cannot reconnect within the same request.
        """
        self.fired.clear()
        self._then_refuse = then_refuse
        self._trigger = (pattern, forward)

    def close(self) -> None:
        self._closed = True
        _close(self._listener)
        self.cut()

    # --- plumbing ------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            if self._refusing:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, upstream))
                self.connections += 1
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            trigger = self._trigger
            if from_client and trigger is not None and trigger[0] in data:
                self._trigger = None
                if trigger[1]:
                    with contextlib.suppress(OSError):
                        sink.sendall(data)
                if self._then_refuse:
                    self._refusing = True
                self.cut()
                self.fired.set()
                return
            try:
                sink.sendall(data)
            except OSError:
                break
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
