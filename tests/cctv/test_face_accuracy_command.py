"""manage.py face_accuracy on a folder of labelled real photos (issue 17, item 5)."""

import json
import shutil

import cv2
import pytest
from django.core.management import CommandError, call_command

from tests.cctv import faces


def test_it_prints_the_figures_and_writes_the_trade_off_curve(tmp_path, capsys):
    folder = tmp_path / "people"
    for person, numbers in {
        "joe_biden": (1, 3),
        "rose_leslie": (1, 2),
        "unnamed_man": (1,),
    }.items():
        (folder / person).mkdir(parents=True)
        for n in numbers:
            shutil.copy(faces.PHOTOS / person / f"{n}.jpg", folder / person / f"{n}.jpg")
    png = tmp_path / "curve.png"
    call_command(
        "face_accuracy", str(folder), "--sizes", "24,64", "--qualities", "80", "--png", str(png)
    )
    out = capsys.readouterr().out
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["non_enrolled_faces"] == 10  # 5 photos x 2 sizes, each also as a stranger
    assert summary["found_share_24px"] == 0.0  # below the quality floor: never compared
    assert summary["found_share_64px"] == 1.0  # both of Biden's and both of Rose Leslie's
    assert summary["false_alerts_per_1000"] == 0.0
    assert "'small': 5" in out
    image = cv2.imread(str(png))
    assert image is not None and image.shape[1] > 600


def test_it_refuses_a_folder_without_two_people(tmp_path):
    (tmp_path / "one" / "a").mkdir(parents=True)
    shutil.copy(faces.PHOTOS / "joe_biden" / "1.jpg", tmp_path / "one" / "a" / "1.jpg")
    with pytest.raises(CommandError, match="two people"):
        call_command("face_accuracy", str(tmp_path / "one"))
