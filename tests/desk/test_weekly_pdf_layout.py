"""The weekly report's PDF read back with pdfplumber: each row's label and value side by side
on one line inside the page, every word Thai."""

import io
import re

import pdfplumber
import pytest

from desk import report_pdf, services
from desk.weekly import rows
from tests.desk.test_weekly_report import NOW, WEEK, week  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

MM = 72 / 25.4
# Thai vowels above and below, tone marks and the like: the shaped PDF may give them in another
# order than the source string (or as an unmapped glyph), so lines are compared without them.
MARKS = re.compile(r"\(cid:\d+\)|[\u0e31\u0e33-\u0e3a\u0e47-\u0e4e\s]")


def plain(text: str) -> str:
    return MARKS.sub("", text)


def pdf_lines(pdf_bytes: bytes) -> list[dict]:
    """Every text line of the PDF, in reading order: its page, the text left and right of the
    value column, and the extent of its characters."""
    split = (report_pdf.MARGIN + report_pdf.LABEL_W) * MM
    found = []
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            for line in page.extract_text_lines(return_chars=True):
                chars = line["chars"]
                found.append(
                    {
                        "page": number,
                        "width": page.width,
                        "left": plain("".join(c["text"] for c in chars if c["x0"] < split)),
                        "right": plain("".join(c["text"] for c in chars if c["x0"] >= split)),
                        "x0": min(c["x0"] for c in chars),
                        "x1": max(c["x1"] for c in chars),
                        "text": line["text"],
                    }
                )
    return found


@pytest.fixture
def report(station, supervisor, week):  # noqa: F811
    report, _ = services.weekly_report_generate(
        actor=supervisor, station=station, week_start=WEEK, now=NOW
    )
    with report.pdf.open("rb") as handle:
        return report, handle.read()


def test_every_rows_label_and_value_share_one_line_inside_the_page(report):
    report, pdf = report
    lines = pdf_lines(pdf)
    margin = report_pdf.MARGIN * MM
    for line in lines:
        assert line["x0"] >= margin - 1 and line["x1"] <= line["width"] - margin + 1, line["text"]
    position = 0
    for section, item, value in rows(report.figures):
        label, figure = plain(item), plain(value)
        for index in range(position, len(lines)):
            line = lines[index]
            if (
                line["left"]
                and label.startswith(line["left"])
                and line["right"]
                and figure.startswith(line["right"])
            ):
                position = index + 1
                break
        else:
            pytest.fail(f"no line holds {item!r} and {value!r} ({section}) side by side")


def test_the_report_has_no_english_word(report):
    _report, pdf = report
    words = set()
    for line in pdf_lines(pdf):
        words.update(re.findall(r"[A-Za-z]+", line["text"]))
    assert words - {"SOS", "cid"} == set()
