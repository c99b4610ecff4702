"""Property test: any bytes given as a video clip are refused with a reason (VideoError), or
read as a real video; OpenCV never gets to raise anything else."""

import hypothesis
from hypothesis import given
from hypothesis import strategies as st

from cctv.pipeline import VideoError
from cctv.pipeline.video import clip_info

# Starts of real container formats, so that the decoder gets past its first checks.
MAGIC = [b"", b"RIFF\x00\x00\x00\x00AVI LIST", b"\x00\x00\x00\x18ftypmp42", b"\x1aE\xdf\xa3"]


@hypothesis.settings(max_examples=60, deadline=None)
@given(magic=st.sampled_from(MAGIC), body=st.binary(max_size=4000))
def test_any_bytes_are_a_video_or_a_video_error(tmp_path_factory, magic, body):
    path = tmp_path_factory.mktemp("clip") / "upload.bin"
    path.write_bytes(magic + body)
    try:
        info = clip_info(str(path))
    except VideoError as exc:
        assert exc.reason
    else:
        assert info.frame_count > 0 and info.width > 0
