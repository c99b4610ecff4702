"""Loopback servers standing in for cameras: a JPEG snapshot (basic auth) and an MJPEG stream."""

import base64
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2


class CameraServer:
    """Serve /snapshot.jpg (needs USER:PASSWORD) and /stream.mjpg (the FRAMES, looped at FPS)."""

    def __init__(self, frames, *, user="admin", password="", fps=10.0, loops=1):
        self.jpegs = [cv2.imencode(".jpg", f)[1].tobytes() for f in frames]
        self.user, self.password, self.fps, self.loops = user, password, fps, loops
        self.requests: list[str] = []
        self.frames_sent = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _authorised(self) -> bool:
                if not server.password:
                    return True
                expected = base64.b64encode(f"{server.user}:{server.password}".encode()).decode()
                return self.headers.get("Authorization") == f"Basic {expected}"

            def do_GET(self):  # noqa: N802
                server.requests.append(self.path)
                if not self._authorised():
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="cam"')
                    self.end_headers()
                    return
                if self.path.startswith("/snapshot.jpg"):
                    body = server.jpegs[0]
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if self.path.startswith("/stream.mjpg"):
                    self.send_response(200)
                    self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                    self.end_headers()
                    try:
                        for _ in range(server.loops):
                            for jpeg in server.jpegs:
                                self.wfile.write(
                                    b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                    + str(len(jpeg)).encode()
                                    + b"\r\n\r\n"
                                    + jpeg
                                    + b"\r\n"
                                )
                                server.frames_sent += 1
                                time.sleep(1.0 / server.fps)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                self.send_response(404)
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class RecordingServer:
    """Record every request's headers; redirect every other path to LOCATION, answer LOCATION
    itself (or every path when there is none) with JPEG."""

    def __init__(self, *, location: str = "", jpeg: bytes = b""):
        self.location, self.jpeg = location, jpeg
        self.headers: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                server.headers.append(dict(self.headers))
                if server.location and self.path != server.location:
                    self.send_response(302)
                    self.send_header("Location", server.location)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(server.jpeg)))
                self.end_headers()
                self.wfile.write(server.jpeg)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
