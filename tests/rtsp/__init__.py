"""Real RTSP cameras for the tests: Debian's GStreamer RTSP server on loopback.

`RtspServer` runs tests/rtsp/serve.py under the system Python (PyGObject is Debian's
python3-gi, not a PyPI package) and counts its clients from what it prints. The `*_launch`
functions build what it serves: JPEG frames written by the test, encoded once beforehand as a
camera would (H.264 or H.265, one keyframe a second, no B-frames) and then served looped at the
stream's own frame rate without encoding again (so the camera keeps real time on a busy
machine, as a real one does; MJPEG is encoded live), or a live test pattern.

    server = RtspServer({"/cam": frames_launch(frame_dir, fps=10, codec="h264")},
                        user="admin", password="secret", auth="digest")
    server.start()
    url = server.url("/cam")            # rtsp://admin:secret@127.0.0.1:PORT/cam
    server.stop(); server.start()       # the camera drops and returns on the same port
"""

import re
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

import cv2

SERVE = Path(__file__).with_name("serve.py")
SYSTEM_PYTHON = "/usr/bin/python3"
PACKAGES = (
    "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good "
    "gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly"
)
ENCODERS = {
    "h264": "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate={kbps} "
    "! video/x-h264,profile=baseline ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1",
    "h265": "x265enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate={kbps} "
    "! h265parse ! rtph265pay name=pay0 pt=96 config-interval=1",
    "mjpeg": "jpegenc quality=80 ! rtpjpegpay name=pay0 pt=26",
}


def rtsp_available() -> bool:
    """Whether this machine can run the test RTSP server (Debian's packages are installed)."""
    if not Path(SYSTEM_PYTHON).exists():
        return False
    probe = (
        "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0');"
        "from gi.repository import Gst, GstRtspServer; Gst.init(None);"
        "assert all(Gst.ElementFactory.find(e) for e in ('x264enc', 'x265enc', 'jpegdec'))"
    )
    return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True).returncode == 0


_available: bool | None = None
EVENT = re.compile(r"(ready|connected|closed) (\d+)|(playing) (/\S* [\d.]+)")


def need_rtsp() -> None:
    """Skip (in CI: fail) unless Debian's GStreamer RTSP server is installed."""
    from tests.conftest import need

    global _available
    if _available is None:
        _available = rtsp_available()
    need(_available, f"Debian's GStreamer RTSP server is not installed (apt install {PACKAGES})")


def _encoder(codec: str, fps: float, kbps: int) -> str:
    return ENCODERS[codec].format(fps=max(1, round(fps)), kbps=kbps)


def write_frames(frames, directory: Path) -> Path:
    """Write FRAMES (BGR arrays) as numbered JPEGs in DIRECTORY, for `frames_launch`."""
    directory.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(directory / f"{i:06d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return directory


def encode_clip(directory: Path, *, fps: float, codec: str = "h264", kbps: int = 2000) -> Path:
    """Encode the JPEGs in DIRECTORY (000000.jpg, 000001.jpg, ...) once into an H.264 or H.265
    elementary stream in DIRECTORY (kept: a second call with the same figures reuses it)."""
    count = len(list(directory.glob("[0-9][0-9][0-9][0-9][0-9][0-9].jpg")))
    if not count:
        raise ValueError(f"no frames in {directory}")
    out = directory / f"clip-{codec}-{fps:g}fps-{kbps}k-{count}.{codec}"
    if out.exists():
        return out
    partial = out.with_suffix(".part")
    command = [SYSTEM_PYTHON, str(SERVE), "--encode", str(partial), "--frames", str(directory)]
    command += ["--count", str(count), "--fps", str(fps), "--codec", codec, "--kbps", str(kbps)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not partial.exists():
        raise RuntimeError(f"encoding {directory} failed: {done.stderr[-500:]}")
    partial.rename(out)
    return out


def frames_launch(directory: Path, *, fps: float, codec: str = "h264", kbps: int = 2000) -> str:
    """Serve the JPEGs in DIRECTORY (from `write_frames`) in a loop at FPS, as a live camera.

    Frame i of the n in DIRECTORY is on the stream at (i + k*n) / FPS seconds after the mount
    started playing (the `playing` time), for the k-th loop. H.264 and H.265 are encoded once
    here (`encode_clip`) and served without encoding again, in phase with the wall clock: the
    loop starts at every multiple of n / FPS seconds since the epoch (`playing` is one), so a
    test knows when frame i is on the stream before it connects. MJPEG is encoded live.
    """
    if codec in ("h264", "h265"):
        return f"clip:{codec}:{fps:g}:{encode_clip(directory, fps=fps, codec=codec, kbps=kbps)}"
    num, den = (round(fps * 1000), 1000) if fps != int(fps) else (int(fps), 1)
    return (
        f'( multifilesrc location="{directory}/%06d.jpg" loop=true '
        f'caps="image/jpeg,framerate={num}/{den}" ! jpegdec ! videoconvert '
        f"! video/x-raw,format=I420 ! {_encoder(codec, fps, kbps)} )"
    )


def pattern_launch(
    *, width: int = 1280, height: int = 720, fps: float = 10, codec: str = "h264", kbps=2000
) -> str:
    """Serve a live moving test pattern with the running time written on it."""
    return (
        f"( videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,width={width},height={height},framerate={round(fps)}/1 "
        f"! timeoverlay ! videoconvert ! video/x-raw,format=I420 "
        f"! {_encoder(codec, fps, kbps)} )"
    )


def clock_launch(
    *,
    width: int = 1920,
    height: int = 1080,
    fps: int = 15,
    codec: str = "h264",
    kbps=4000,
    texture: bool = False,
) -> str:
    """Serve live frames that carry the wall-clock time at which each was made (to measure a
    delay glass to glass): serve.py feeds the appsrc named clock. Layout (serve.clock_frame):
    the time in ms modulo 2**40, most significant bit first, as 40 blocks of width // 40
    pixels (luma 235 for 1, 16 for 0) over the top width // 40 rows; luma 90 elsewhere, or
    with TEXTURE a grainy picture that moves (the encoder then spends its bitrate)."""
    caps = f"video/x-raw,format=I420,width={width},height={height},framerate={fps}/1"
    return (
        f"( appsrc name={'clocktexture' if texture else 'clock'} is-live=true "
        f'format=time do-timestamp=true caps="{caps}" '
        f"! queue max-size-buffers=2 leaky=downstream ! {_encoder(codec, fps, kbps)} )"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RtspServer:
    """One RTSP server process on a fixed loopback port; stop and start it to drop the camera."""

    def __init__(self, mounts: dict[str, str], *, user="", password="", auth="basic", port=None):
        self.mounts, self.user, self.password, self.auth = mounts, user, password, auth
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.open_clients = 0
        self.connections = 0  # clients ever connected, across restarts
        self.playing: dict[str, float] = {}  # mount -> wall time its pipeline started playing
        self.lines: list[str] = []
        self._ready = threading.Event()

    def url(self, path: str, *, user=None, password=None, port=None) -> str:
        """The camera's URL; USER/PASSWORD override the server's own (to test a wrong login)."""
        user = self.user if user is None else user
        password = self.password if password is None else password
        login = f"{quote(user, safe='')}:{quote(password, safe='')}@" if user else ""
        return f"rtsp://{login}127.0.0.1:{port or self.port}{path}"

    def start(self, timeout: float = 20) -> None:
        """Start serving (on the same port as before, if restarted); wait until it listens."""
        command = [SYSTEM_PYTHON, str(SERVE), "--port", str(self.port), "--auth", self.auth]
        if self.user:
            command += ["--user", self.user, "--password", self.password]
        for path, launch in self.mounts.items():
            command += ["--mount", f"{path}={launch}"]
        self._ready.clear()
        self.open_clients = 0
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"the RTSP server did not start: {self.lines[-5:]}")

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            line = line.strip()
            self.lines.append(line)
            event = EVENT.fullmatch(line)
            if not event:
                continue  # GStreamer's own warnings
            word, rest = event[1] or event[3], event[2] or event[4]
            if word == "ready":
                self._ready.set()
            elif word == "connected":
                self.connections += 1
                self.open_clients = int(rest)
            elif word == "closed":
                self.open_clients = int(rest)
            else:
                path, when = rest.split()
                self.playing[path] = float(when)

    def stop(self) -> None:
        """Stop at once, as a camera losing power does (clients see the connection drop)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
            self.open_clients = 0

    def wait_for(self, condition, timeout: float = 20) -> None:
        """Wait until CONDITION(self) holds, e.g. `lambda s: s.open_clients == 0`."""
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > deadline:
                raise TimeoutError(f"RTSP server: condition not met; last lines {self.lines[-5:]}")
            time.sleep(0.05)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
