"""Benchmark a live watch of a real RTSP camera: does it keep up, and find everyone?

    .venv/bin/python bench/live_watch.py [SECONDS]      # default 240 s per run

The issue asks for 5-minute runs; two of them (alone and loaded) and the set-up would pass the
10-minute limit of a bench, so each run is 4 minutes by default (16 appearances each).

Debian's GStreamer RTSP server (tests/rtsp) serves a 1920x1080 H.264 stream at 15 fps behind a
login, encoded once beforehand and served looped without encoding again (a camera keeps real time
whatever the load; the server encoding 1080p live fell behind it): a street-like scene in which a
watch-listed person (a real photo, tests/cctv/photos) walks in every 15 s for 3 s. The watch reads
it with cctv.pipeline.live.LiveStream at 5 sampled fps through the job's pipeline (analyse_frames,
early alerts) twice: alone, and while another process keeps one core busy. Per run: appearances
found (an alert whose first frame was captured within 1.5 s of the person walking in), lag of each
analysed frame behind live (capture time to the end of its analysis) p50/p99, frames dropped, and
the watch's CPU share (process CPU seconds over wall seconds; 100 = one core). Lag is measured
twice: from the frame's capture (what the job shows), and from its arrival here (the watch's own
delay, apart from the camera's encoder and network). HEIGHT=720 serves 1280x720 instead.

Last line: one JSON object with found_share, lag_p99_ms, lag_p99_ms_loaded, cpu_pct and the rest.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json  # noqa: E402

import numpy as np  # noqa: E402

from bench.support.common import percentile  # noqa: E402
from cctv.pipeline import (  # noqa: E402
    Evidence,
    FaceEmbedder,
    WatchlistMatcher,
    analyse_frames,
    detect_faces,
)
from cctv.pipeline.live import LiveStream  # noqa: E402
from tests.cctv import faces  # noqa: E402
from tests.rtsp import RtspServer, frames_launch, rtsp_available, write_frames  # noqa: E402

FPS, SAMPLE_FPS, EVERY_S, WALK_S = 15, 5.0, 15.0, 3.0
SIZE = (1920, 1080) if os.environ.get("HEIGHT", "1080") == "1080" else (1280, 720)
PERSON = "barack_obama"


def scene(directory: Path) -> Path:
    """Write one 15 s loop: the person walks across for WALK_S, then the empty street."""
    walking = faces.walk(
        [(faces.photo(PERSON, 1), 110, 500, 300)],
        int(WALK_S * FPS),
        size=SIZE,
        step_px=(8, 1),
        quality=85,
    )
    write_frames(walking, directory)
    empty = directory / "empty.jpg"
    write_frames([faces.street_frame([], SIZE, seed=99, quality=85)], directory / "e")
    (directory / "e" / "000000.jpg").rename(empty)
    for i in range(len(walking), int(EVERY_S * FPS)):
        (directory / f"{i:06d}.jpg").symlink_to(empty)
    return directory


def matcher() -> WatchlistMatcher:
    embedder = FaceEmbedder()
    photos = [faces.photo(PERSON, n) for n in (2, 3)]
    vectors = [embedder.embed_single(p) for p in photos]
    return WatchlistMatcher(np.stack(vectors), [1, 1])


def watch(server: RtspServer, seconds: float, watchlist) -> dict:
    stream = LiveStream(server.url("/cam"), sample_fps=SAMPLE_FPS, duration_s=seconds, base=0.0)
    lags, own, alerts = [], [], []

    def on_frame(index, time_s, tracker):
        now = time.time()
        lags.append(now - time_s)
        own.append(now - stream.arrived)

    cpu0, wall0 = time.process_time(), time.time()
    try:
        for appearance in analyse_frames(
            stream, watchlist, early=True, max_gap_s=1.0, on_frame=on_frame, evidence=Evidence()
        ):
            if not appearance.final:
                alerts.append(appearance.start_time)
    finally:
        stream.close()
    cpu, wall = time.process_time() - cpu0, time.time() - wall0
    playing = server.playing["/cam"]
    first = stream.started + 3.0  # after the stream opened
    walked_in = [
        playing + k * EVERY_S
        for k in range(int((stream.deadline - playing) // EVERY_S) + 1)
        if first <= playing + k * EVERY_S <= stream.deadline - WALK_S
    ]
    found = [t for t in walked_in if any(-1.5 <= a - t <= 5 for a in alerts)]
    return {
        "appearances": len(walked_in),
        "found": len(found),
        "alerts": len(alerts),
        "lag_p50_ms": round(percentile(lags, 50) * 1000),
        "lag_p99_ms": round(percentile(lags, 99) * 1000),
        "arrival_lag_p99_ms": round(percentile(own, 99) * 1000),
        "alert_offsets_s": [round(min((a - t for a in alerts), key=abs), 2) for t in walked_in]
        if alerts
        else [],
        "frames_analysed": len(lags),
        "frames_dropped": stream.dropped,
        "cpu_pct": round(100 * cpu / wall),
    }


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 240.0
    if not rtsp_available():
        sys.exit("Debian's GStreamer RTSP server is not installed (see tests/rtsp)")
    FaceEmbedder._load()
    detect_faces(np.zeros((240, 320, 3), np.uint8))
    watchlist = matcher()
    with tempfile.TemporaryDirectory() as tmp:
        frames = scene(Path(tmp) / "frames")
        launch = frames_launch(frames, fps=FPS, codec="h264", kbps=6000)
        with RtspServer({"/cam": launch}, user="admin", password="cam-secret") as server:
            quiet = watch(server, seconds, watchlist)
            print("quiet", quiet, flush=True)
            load = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                loaded = watch(server, seconds, watchlist)
            finally:
                load.kill()
                load.wait()
            print("loaded", loaded, flush=True)
    total = quiet["appearances"] + loaded["appearances"]
    print(
        json.dumps(
            {
                "seconds_per_run": seconds,
                "found_share": round((quiet["found"] + loaded["found"]) / max(1, total), 3),
                "found_share_quiet": round(quiet["found"] / max(1, quiet["appearances"]), 3),
                "found_share_loaded": round(loaded["found"] / max(1, loaded["appearances"]), 3),
                "lag_p50_ms": quiet["lag_p50_ms"],
                "lag_p99_ms": quiet["lag_p99_ms"],
                "lag_p50_ms_loaded": loaded["lag_p50_ms"],
                "lag_p99_ms_loaded": loaded["lag_p99_ms"],
                "arrival_lag_p99_ms": quiet["arrival_lag_p99_ms"],
                "arrival_lag_p99_ms_loaded": loaded["arrival_lag_p99_ms"],
                "frames_dropped": quiet["frames_dropped"],
                "frames_dropped_loaded": loaded["frames_dropped"],
                "cpu_pct": quiet["cpu_pct"],
                "cpu_pct_loaded": loaded["cpu_pct"],
                "load_average_1m": round(os.getloadavg()[0], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
