"""A local HTTP server standing in for LINE's Messaging API (api.line.me).

It records every request (method, path, headers, JSON body) and answers from a script of
replies, then 200. Like LINE, it remembers retry keys it accepted: a request repeating one
gets 409 with the accepted request's id, and `accepted` lists each message send once. With
`answer_delay_s` it takes each request at once but answers it only after that delay (a slow
network back from LINE): a client killed meanwhile never learns that it was accepted.
A scripted reply may be kept for one path (`then(500, path="/v2/bot/profile/")`); profile
requests take only such replies, so scripts written for message sends are left to them.

GET /v2/bot/profile/<user id> answers with the name in `profiles` (404 for a user not in it,
like LINE for someone who is not a friend of the account).
"""

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: dict | None
    status: int = 0

    @property
    def retry_key(self) -> str | None:
        return self.headers.get("x-line-retry-key")


@dataclass
class Reply:
    status: int
    body: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    # LINE took the messages but the answer got lost (a 5xx or a timeout after acceptance).
    accepted_anyway: bool = False
    # Only for requests whose path contains this (None: the next request, whatever it is).
    path: str | None = None


class FakeLine:
    def __init__(self):
        self.requests: list[Recorded] = []
        self.accepted: list[Recorded] = []
        self.script: list[Reply] = []
        self.profiles: dict[str, str] = {}
        self.answer_delay_s = 0.0
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeLine":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def then(self, status: int, times: int = 1, **kwargs) -> "FakeLine":
        self.script += [Reply(status, **kwargs) for _ in range(times)]
        return self

    def sends(self, path_end: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith(path_end)]

    def _scripted(self, recorded: Recorded, *, unscoped: bool = True) -> Reply | None:
        for i, reply in enumerate(self.script):
            if (reply.path is None and unscoped) or (reply.path and reply.path in recorded.path):
                return self.script.pop(i)
        return None

    def _profile(self, recorded: Recorded) -> Reply:
        user_id = recorded.path.rsplit("/", 1)[-1]
        if user_id not in self.profiles:
            return Reply(404, {"message": "Not found"})
        body = {"userId": user_id, "displayName": self.profiles[user_id], "language": "th"}
        return Reply(200, body, {"x-line-request-id": str(uuid.uuid4())})

    def _answer(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if recorded.path.startswith("/v2/bot/profile/"):
                return self._scripted(recorded, unscoped=False) or self._profile(recorded)
            key = recorded.retry_key
            if key and key in self._keys:
                return Reply(
                    409,
                    {"message": "The retry key is already accepted"},
                    {"x-line-accepted-request-id": self._keys[key]},
                )
            reply = self._scripted(recorded) or Reply(200, self._ok_body(recorded))
            if reply.status < 300 or reply.accepted_anyway:
                request_id = str(uuid.uuid4())
                reply.headers = {"x-line-request-id": request_id} | reply.headers
                self.accepted.append(recorded)
                if key:
                    self._keys[key] = request_id
            return reply

    @staticmethod
    def _ok_body(recorded: Recorded) -> dict:
        if recorded.path.endswith(("/push", "/reply")):
            sent = (recorded.body or {}).get("messages", [])
            return {"sentMessages": [{"id": str(i), "quoteToken": "q"} for i, _ in enumerate(sent)]}
        return {}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw) if raw else None,
                )
                reply = fake._answer(recorded)
                recorded.status = reply.status
                time.sleep(fake.answer_delay_s)
                payload = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_POST = do_GET = _handle

            def log_message(self, *args):
                pass

        return Handler
