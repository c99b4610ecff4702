"""Base map file: byte ranges of a big PMTiles file from daphne, and the server's memory.

Run: .venv/bin/python bench/basemap_ranges.py [--size-mb 512] [--requests 500] [--clients 8]

Writes a sparse file of --size-mb MB (random bytes every MB, so reads are real) as the base map
of one daphne on a free port (SQLite, nothing else running), then --clients HTTP clients ask
--requests ranges of 16 KiB at random offsets (the size of a PMTiles directory or a big tile),
checking each answer's bytes; then one client downloads the whole file. Prints the latency of a
range (p50, p99), ranges per second, and daphne's resident memory before and after the whole
file (it is streamed in chunks, never read whole), then one JSON line.
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from support.common import ROOT, free_port, percentile, rss_kb, wait_for_port

RANGE = 16 * 1024


def make_file(path: Path, size_mb: int) -> dict[int, bytes]:
    """Write a sparse file with 64 random bytes at each MB; return those marks by offset."""
    marks = {}
    with open(path, "wb") as f:
        f.truncate(size_mb * 1024 * 1024)
        for mb in range(size_mb):
            f.seek(mb * 1024 * 1024)
            marks[mb * 1024 * 1024] = os.urandom(64)
            f.write(marks[mb * 1024 * 1024])
    return marks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=512)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sz-bench-basemap-"))
    path = work / "basemap" / "big.pmtiles"
    path.parent.mkdir()
    marks = make_file(path, args.size_mb)
    size = path.stat().st_size
    port = free_port()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "DATA_DIR": str(work),
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MAP_TILES_URL": "",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "smartzone.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, proc)
        latencies, wrong = [], []
        offsets = list(marks)
        lock = threading.Lock()

        def client(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            rng = random.Random(n)
            for _ in range(n):
                start = rng.choice(offsets)
                t0 = time.perf_counter()
                conn.request(
                    "GET", "/basemap/big.pmtiles",
                    headers={"Range": f"bytes={start}-{start + RANGE - 1}"},
                )  # fmt: skip
                answer = conn.getresponse()
                body = answer.read()
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed * 1000)
                    if answer.status != 206 or body[:64] != marks[start] or len(body) != RANGE:
                        wrong.append(start)
            conn.close()

        client(5)  # warm up
        latencies.clear()
        per_client = args.requests // args.clients
        threads = [threading.Thread(target=client, args=(per_client,)) for _ in range(args.clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        rss_before = rss_kb(proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        t0 = time.perf_counter()
        conn.request("GET", "/basemap/big.pmtiles")
        answer = conn.getresponse()
        received, peak = 0, rss_before
        while chunk := answer.read(1024 * 1024):
            received += len(chunk)
            peak = max(peak, rss_kb(proc.pid))
        whole_s = time.perf_counter() - t0
        result = {
            "file_mb": args.size_mb,
            "ranges": len(latencies),
            "wrong": len(wrong),
            "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "ranges_per_s": round(len(latencies) / wall, 1),
            "whole_file_ok": received == size,
            "whole_file_mb_per_s": round(size / 1024 / 1024 / whole_s, 1),
            "rss_mb_before_whole": round(rss_before / 1024, 1),
            "rss_mb_peak_during_whole": round(peak / 1024, 1),
        }
        print(f"{len(latencies)} ranges of 16 KiB from a {args.size_mb} MB file, "
              f"{args.clients} clients: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
              f"{result['ranges_per_s']}/s, {len(wrong)} wrong")  # fmt: skip
        print(f"whole file: {result['whole_file_mb_per_s']} MB/s; daphne RSS "
              f"{result['rss_mb_before_whole']} MB before, "
              f"{result['rss_mb_peak_during_whole']} MB at most during")  # fmt: skip
        print(json.dumps(result))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for p in sorted(work.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        work.rmdir()


if __name__ == "__main__":
    main()
