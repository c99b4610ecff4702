"""Celery entry points of the cctv app: video analysis, camera health, retention purge.

The periodic ones are scheduled in settings.CELERY_BEAT_SCHEDULE.
"""

import logging
import time

import numpy as np
from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from cctv import analysis, services
from cctv.camera_io import SnapshotError, fetch_snapshot, stream_check
from cctv.models import AnalysisJob, Camera
from cctv.pipeline import (
    Evidence,
    FaceCounts,
    QualityFloor,
    SceneGate,
    VideoError,
    analyse_frames,
    read_clip,
    read_stream,
)
from cctv.pipeline.detect import FIND_FACE_PX, detect_faces
from cctv.pipeline.embed import FaceEmbedder
from cctv.pipeline.rtsp import stream_reason
from cctv.pipeline.scene import WHOLE_EVERY_S
from cctv.pipeline.video import clip_info, grab_one_frame

log = logging.getLogger(__name__)

# Progress is stored at most once a second, and only when the whole percent moved or the
# heartbeat is due (a 24 h watch job writes a few thousand rows, not 86,400, and no events).
PROGRESS_EVERY_S = 1.0
HEARTBEAT_EVERY_S = 10.0
# A running job rebuilds its matcher this often, so that it stops looking for entries revoked
# or expired since it started (match_record re-checks the entry as well, before every alert).
MATCHER_REFRESH_S = 30.0
# A live job waiting for its camera stores its figures and heartbeat this often.
IDLE_EVERY_S = 3.0


class JobStopped(Exception):
    """The job was cancelled (or ended elsewhere) between frames."""


class StationMatcher:
    """The station's matchable watchlist, rebuilt every REFRESH_S seconds while a job runs."""

    def __init__(self, station_id: int, refresh_s: float | None = None):
        self.station_id = station_id
        if refresh_s is None:
            refresh_s = float(getattr(settings, "CCTV_MATCHER_REFRESH_SECONDS", MATCHER_REFRESH_S))
        self.refresh_s = refresh_s
        self._build()

    def _build(self) -> None:
        self.matcher = services.matcher_for_station(self.station_id)
        self.built_at = time.monotonic()

    def refresh_if_due(self) -> None:
        if time.monotonic() - self.built_at >= self.refresh_s:
            self._build()

    def __len__(self) -> int:
        return len(self.matcher)

    def best(self, embedding):
        return self.matcher.best(embedding)


@shared_task(bind=True, max_retries=3, acks_late=True, reject_on_worker_lost=True)
def analyse_job(self, job_id: int) -> str:
    """Analyse one job's video. Idempotent: a retry resumes from the stored progress and the
    unique (job, entry, first frame) of a match keeps an appearance from being raised twice."""
    early = analysis.job_window_not_open(job_id=job_id)
    if early is not None:
        # Delivered before its window opens (a resume, or a broker that ignored the eta).
        analyse_job.apply_async((job_id,), eta=early)
        return "waiting"
    job = analysis.job_start(job_id=job_id)
    if job is None:
        return "skipped"
    counts = FaceCounts()
    live = job.kind != AnalysisJob.Kind.CLIP  # its alerts were raised as they happened: kept
    try:
        _run(job, counts)
    except JobStopped:
        analysis.job_finish(job_id=job_id, face_counts=counts.as_dict())
        return "cancelled"
    except VideoError as exc:
        if exc.code:
            # A live stream that cannot be played: say why, on the job and the camera.
            label = str(AnalysisJob.LiveReason(exc.code).label)
            analysis.job_live_figures(job_id=job_id, live_state="", live_reason=exc.code)
            services.camera_status_record(camera_id=job.camera_id, online=False, reason=label)
            analysis.job_fail(job_id=job_id, reason=label, keep_matches=True)
            return "failed"
        if job.kind == AnalysisJob.Kind.CLIP and exc.frame:
            # The clip broke part way: keep the alerts raised from the part that decoded.
            analysis.job_partial(
                job_id=job_id, reason=exc.reason, frame=exc.frame, face_counts=counts.as_dict()
            )
            return "partial"
        analysis.job_fail(job_id=job_id, reason=exc.reason, keep_matches=live)
        return "failed"
    except Exception as exc:  # a bug or a broken model must not leave the job "running"
        log.exception("cctv job %s crashed", job_id)
        reason = f"internal error: {type(exc).__name__}"
        analysis.job_fail(job_id=job_id, reason=reason, keep_matches=live)
        return "failed"
    analysis.job_finish(job_id=job_id, face_counts=counts.as_dict())
    return "done"


def _run(job: AnalysisJob, counts: FaceCounts) -> None:
    matcher = StationMatcher(job.station_id)
    min_score = float(getattr(settings, "CCTV_DETECT_MIN_SCORE", 0.6))
    gap_s = float(getattr(settings, "CCTV_TRACK_GAP_SECONDS", 1.0))
    last = {"at": 0.0, "written_at": 0.0, "percent": -1}
    live = None

    if job.kind == AnalysisJob.Kind.CLIP:
        info = clip_info(job.clip.path, whole=False)
        total = float(info.frame_count)
        start = job.resume_from
        frames = read_clip(job.clip.path, sample_fps=job.sample_fps, start_frame=start)

        def done_of(index, time_s):
            return float(index + 1)

    else:
        live = _LiveReport(job)
        total, remaining = live.total, live.remaining
        if remaining <= 0:
            if job.attempts > 1 or job.kind == AnalysisJob.Kind.WATCH:
                return  # a retry after the window closed: what could be watched was
            raise VideoError("the time window ended before the job could start")
        try:
            source = stream_check(job.camera)
        except SnapshotError as exc:
            raise VideoError(exc.reason) from None
        _warm_up()
        frames = live.stream = read_stream(
            source,
            sample_fps=job.sample_fps,
            duration_s=remaining,
            start_index=job.resume_from,
            base=live.base,
            on_idle=live.idle,
            backoff_s=float(getattr(settings, "CCTV_RECONNECT_SECONDS", 1.0)),
            max_backoff_s=float(getattr(settings, "CCTV_RECONNECT_MAX_SECONDS", 30.0)),
        )

        def done_of(index, time_s):
            return max(0.0, min(total, time_s))

    def on_frame(index, time_s, tracker):
        matcher.refresh_if_due()
        if live is not None:
            live.frame_done(time_s)
        now = time.monotonic()
        if now - last["at"] < PROGRESS_EVERY_S and not (live and live.changed()):
            return
        last["at"] = now
        done = done_of(index, time_s)
        percent = int(100 * done / total) if total else 0
        if (
            percent == last["percent"]
            and now - last["written_at"] < HEARTBEAT_EVERY_S
            and not (live and (live.changed() or live.lag_worth_telling()))
        ):
            return
        last["percent"], last["written_at"] = percent, now
        earliest = tracker.earliest_open_frame()
        resume = earliest if earliest is not None else index + 1
        figures = live.figures() if live is not None else None
        if not analysis.job_progress(
            job_id=job.pk, done=done, total=total, resume_from=resume, live=figures
        ):
            raise JobStopped

    try:
        for appearance in analyse_frames(
            frames,
            matcher,
            min_score=min_score,
            max_gap=max(1, int(job.sample_fps)),
            max_gap_s=gap_s,
            on_frame=on_frame,
            early=job.kind != AnalysisJob.Kind.CLIP,
            floor=QualityFloor.from_settings(settings),
            evidence=Evidence.from_settings(settings),
            find_face_px=int(getattr(settings, "CCTV_FACE_FIND_PX", FIND_FACE_PX)),
            gate=SceneGate(
                whole_every_s=float(getattr(settings, "CCTV_FACE_WHOLE_EVERY_S", WHOLE_EVERY_S))
            ),
            counts=counts,
        ):
            analysis.match_record(
                job_id=job.pk,
                entry_id=appearance.match.entry_id,
                track_start_frame=appearance.start_frame,
                # Live: seconds from the job's time base to the capture of the track's first
                # frame; a clip: seconds into the clip.
                offset_s=appearance.start_time,
                distance=appearance.match.distance,
                score=appearance.match.score,
                crop=appearance.crop,
                final=appearance.final,
                tier=appearance.tier,
                frames=appearance.frames,
            )
    finally:
        if live is not None:
            live.close()


def _warm_up() -> None:
    """Load the face models now, not on the stream's first face (seconds behind live)."""
    FaceEmbedder._load()
    detect_faces(np.zeros((240, 320, 3), np.uint8))


class _LiveReport:
    """A live job's stream figures: lag, drops, seconds lost, its state on job and camera."""

    def __init__(self, job: AnalysisJob):
        self.job, self.stream = job, None
        now = timezone.now()
        if job.kind == AnalysisJob.Kind.WATCH:
            # The watch window is wall-clock time from the first start: a resumed watch (after
            # a worker restart) watches what is left of it, as a window job does.
            started = job.started_at or now
            self.total = job.watch_minutes * 60.0
            base_dt = started
        else:
            self.total = (job.window_end - job.window_start).total_seconds()
            base_dt = job.window_start
        self.base = base_dt.timestamp()
        self.remaining = self.base + self.total - now.timestamp()
        # Figures of earlier runs (a worker restart) are added to this run's.
        self.dropped0, self.lost0 = job.frames_dropped, job.seconds_lost
        self.reconnects0 = job.reconnects
        self.lags: list[float] = []
        self.told = ("", "")  # (state, reason) last written to the job and the camera
        self.idle_at = 0.0

    def frame_done(self, time_s: float) -> None:
        """Note how far behind live the analysis of a frame taken at TIME_S ended."""
        self.lags.append(time.time() - (self.base + time_s))

    def changed(self) -> bool:
        stream = self.stream
        return stream is not None and (stream.state, stream.reason) != self.told

    def lag_worth_telling(self) -> bool:
        limit = float(getattr(settings, "CCTV_LIVE_LAG_WARN_SECONDS", 2.0))
        lag_now = max(self.lags, default=0.0)
        shown = (self.job.lag_ms or 0) / 1000
        return (lag_now > limit) != (shown > limit)

    def figures(self) -> dict:
        stream = self.stream
        figures = {
            "live_state": stream.state,
            "live_reason": stream.reason,
            "frames_dropped": self.dropped0 + stream.dropped,
            "seconds_lost": round(self.lost0 + stream.lost_s, 1),
            "reconnects": self.reconnects0 + stream.reconnects,
        }
        if self.lags:
            # The worst lag since the last report: a warning is not averaged away.
            figures["lag_ms"] = int(max(0.0, max(self.lags)) * 1000)
            self.job.lag_ms = figures["lag_ms"]
            self.lags = []
        self._tell_camera(stream.state, stream.reason)
        return figures

    def _tell_camera(self, state: str, reason: str) -> None:
        if (state, reason) == self.told or self.job.camera_id is None:
            return
        self.told = (state, reason)
        label = AnalysisJob.LiveReason(reason).label if reason else ""
        if state == "live":
            services.camera_status_record(camera_id=self.job.camera_id, online=True)
        elif state == "reconnecting":
            services.camera_status_record(
                camera_id=self.job.camera_id, online=False, reason=str(label), reconnecting=True
            )

    def idle(self, stream) -> None:
        """Between frames that do not come (reconnecting): keep the heartbeat and the figures
        fresh, and stop if the job was cancelled (looked at every IDLE_EVERY_S, or at once
        when the stream's state changed: hours of a dead camera are not a write a second)."""
        now = time.time()
        if now - self.idle_at < IDLE_EVERY_S and not self.changed():
            return
        self.idle_at = now
        done = max(0.0, min(self.total, now - self.base))
        if not analysis.job_progress(
            job_id=self.job.pk,
            done=done,
            total=self.total,
            resume_from=self.job.resume_from,
            live=self.figures(),
        ):
            raise JobStopped

    def close(self) -> None:
        if self.stream is None:
            return
        self.stream.close()
        if self.told[0] == "reconnecting" and self.job.camera_id is not None:
            # The watch ends while the camera is down: it is offline (for the reason last
            # found), not "reconnecting" until the next health probe.
            reason = self.stream.reason
            label = str(AnalysisJob.LiveReason(reason).label) if reason else ""
            services.camera_status_record(camera_id=self.job.camera_id, online=False, reason=label)
            self.told = ("", "")
        # The last figures of this run, for the job page (the job may already be over).
        analysis.job_live_figures(
            job_id=self.job.pk,
            live_state="",
            frames_dropped=self.dropped0 + self.stream.dropped,
            seconds_lost=round(self.lost0 + self.stream.lost_s, 1),
            reconnects=self.reconnects0 + self.stream.reconnects,
        )


def probe_camera(camera: Camera, timeout_s: float = 5.0) -> tuple[bool, str]:
    """Fetch a snapshot or open the stream; return (online, reason). Never logs the URL."""
    if camera.snapshot_url:
        try:
            fetch_snapshot(camera, timeout_s=timeout_s)
            return True, ""
        except SnapshotError as exc:
            if not camera.stream_url:
                return False, exc.reason
    if camera.stream_url:
        try:
            source = stream_check(camera)
            grab_one_frame(source, timeout_s=timeout_s)
            return True, ""
        except SnapshotError as exc:
            return False, exc.reason
        except VideoError:
            # Ask the camera why (login refused, no such stream, no answer...).
            code = stream_reason(source, timeout_s=timeout_s)
            return False, str(AnalysisJob.LiveReason(code).label)
    return False, _("The camera has no stream or snapshot address.")


@shared_task
def camera_probe(camera_id: int) -> bool:
    camera = Camera.objects.get(pk=camera_id)
    online, reason = probe_camera(camera)
    services.camera_status_record(camera_id=camera_id, online=online, reason=reason)
    return online


@shared_task
def cameras_probe() -> int:
    """Queue a probe of every enabled camera."""
    ids = list(Camera.objects.exclude(status=Camera.Status.DISABLED).values_list("pk", flat=True))
    for camera_id in ids:
        camera_probe.delay(camera_id)
    return len(ids)


@shared_task
def matches_purge() -> int:
    return analysis.match_purge()


@shared_task
def jobs_resume_stale() -> list[int]:
    """Queue again the jobs whose worker died or whose message was lost (the job resumes from
    its stored progress), and fail the window jobs whose window closed unseen."""
    analysis.jobs_window_expire()
    ids = analysis.jobs_stale()
    for job_id in ids:
        analyse_job.delay(job_id)
    return ids
