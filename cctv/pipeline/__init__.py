"""The face pipeline: decode, detect, track, embed, match. Plain Python over numpy arrays.

Nothing here imports Django, so it can be tested and benchmarked alone. Models ship inside
PyPI packages (see cctv/README.md); nothing is downloaded at run time.
"""

from cctv.pipeline.analyse import Appearance, FaceCounts, analyse_frames
from cctv.pipeline.detect import Face, detect_faces
from cctv.pipeline.embed import FaceEmbedder, OneFaceError
from cctv.pipeline.match import Evidence, Match, WatchlistMatcher
from cctv.pipeline.quality import QualityFloor
from cctv.pipeline.scene import SceneGate
from cctv.pipeline.track import Track, Tracker
from cctv.pipeline.video import VideoError, clip_info, grab_one_frame, read_clip, read_stream

__all__ = [
    "Appearance",
    "Evidence",
    "FaceCounts",
    "Face",
    "FaceEmbedder",
    "Match",
    "OneFaceError",
    "QualityFloor",
    "SceneGate",
    "Track",
    "Tracker",
    "VideoError",
    "WatchlistMatcher",
    "analyse_frames",
    "detect_faces",
    "clip_info",
    "grab_one_frame",
    "read_clip",
    "read_stream",
]
