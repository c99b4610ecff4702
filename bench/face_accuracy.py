"""Benchmark face-ID accuracy at the shipped defaults on the real photos in tests/cctv/photos.

Each photo is rendered as a street camera would see it (face 32/40/64/112 px wide, JPEG quality
50/70/95) and compared with the other photos (never with itself); see cctv/pipeline/accuracy.py.
Prints the figures per face size, writes the trade-off curve (PNG), then one JSON line:
false_alerts_per_1000, found_share_40px, found_share_64px, found_share_112px (targets: < 1 and
>= 0.8 at 40 px). A station should run `manage.py face_accuracy DIR` on faces like its own.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cctv.pipeline import Evidence  # noqa: E402
from cctv.pipeline.accuracy import draw_curve, figures, measure  # noqa: E402


def main() -> None:
    started = time.perf_counter()
    threshold = Evidence().possible
    result = measure(ROOT / "tests" / "cctv" / "photos")
    report = figures(result, threshold)
    for width, row in report["per_size"].items():
        print(
            f"{width:>4} px: found {row['found_share']:.3f} of {row['enrolled_probes']} enrolled, "
            f"{row['false_alerts']} false alerts in {row['stranger_probes']} non-enrolled "
            f"({row['false_alerts_per_1000']:.2f}/1000); {result.verdicts(width)}"
        )
    strong = Evidence().strong
    shares = {w: round(result.at(w, strong)["found_share"], 3) for w in report["per_size"]}
    print(f"found at the strong threshold {strong}: {shares}")
    png = Path(
        os.environ.get("FACE_ACCURACY_PNG", Path(tempfile.gettempdir()) / "face_accuracy.png")
    )
    draw_curve(result, png, threshold)
    print(f"trade-off curve: {png}; {time.perf_counter() - started:.0f} s")
    keys = ("false_alerts_per_1000", "non_enrolled_faces", "found_share_40px")
    keys += ("found_share_64px", "found_share_112px")
    print(json.dumps({key: report["summary"].get(key) for key in keys}))


if __name__ == "__main__":
    main()
