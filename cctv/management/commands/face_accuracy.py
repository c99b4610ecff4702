"""Measure face-ID accuracy on a station's own labelled photos (see cctv/README.md)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cctv.pipeline import Evidence, QualityFloor
from cctv.pipeline.accuracy import QUALITIES, SIZES, draw_curve, figures, measure, people_in


def _numbers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise CommandError(f"not a list of whole numbers: {text!r}") from None


class Command(BaseCommand):
    help = (
        "Render the photos in DIR (one folder per person, two or more different photos each) "
        "at street-camera face sizes and JPEG qualities; print per face size the false alerts "
        "per 1000 non-enrolled faces and the share of enrolled faces found at the settings' "
        "threshold and quality floor; write a PNG of the trade-off curve. The last line is JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", type=Path)
        parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="face widths, px")
        parser.add_argument("--qualities", default=",".join(map(str, QUALITIES)), help="JPEG")
        parser.add_argument("--png", type=Path, default=Path("face_accuracy.png"))

    def handle(self, *args, **options):
        folder: Path = options["dir"]
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        people = people_in(folder)
        enrolled = [name for name, photos in people.items() if len(photos) >= 2]
        if len(people) < 2 or not enrolled:
            raise CommandError(
                "need at least two people (one folder each), one of them with two or more photos"
            )
        threshold = Evidence.from_settings(settings).possible
        result = measure(
            folder,
            sizes=_numbers(options["sizes"]),
            qualities=_numbers(options["qualities"]),
            floor=QualityFloor.from_settings(settings),
        )
        report = figures(result, threshold)
        self.stdout.write(
            f"{len(people)} people, {len(result.photo_person)} photos; threshold {threshold}"
        )
        self.stdout.write("face px  found share  false alerts/1000  (enrolled, non-enrolled)")
        for width, row in report["per_size"].items():
            self.stdout.write(
                f"{width:>7}  {row['found_share']:>11.3f}  {row['false_alerts_per_1000']:>17.2f}"
                f"  ({row['enrolled_probes']}, {row['stranger_probes']})  {result.verdicts(width)}"
            )
        draw_curve(result, options["png"], threshold)
        self.stdout.write(f"trade-off curve: {options['png']}")
        self.stdout.write(json.dumps(report["summary"]))
