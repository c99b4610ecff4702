"""Keep a backup gentle: a bound on its bytes per second, and the lowest CPU and disk priority.

The bound is what really spares the platform: pg_dump's output is read through it, so when the
backup waits, the pipe fills, pg_dump blocks writing, stops reading its socket, and the
PostgreSQL backend that serves it (a process of the server's own, at full priority, that nice
cannot reach) blocks sending. The private files are copied through the same bound.
"""

import os
import shutil
import subprocess
import time

from django.conf import settings


class RateLimit:
    """Let through at most BYTES_PER_S on average (a token bucket holding BURST bytes).

    None or 0 lets everything through at once.
    """

    def __init__(self, bytes_per_s: float | None, burst: int = 1 << 20):
        self.rate = bytes_per_s or 0
        self.burst = burst
        self.allowance = float(burst)
        self.last = time.monotonic()

    def consume(self, size: int) -> None:
        """Account SIZE bytes, sleeping as long as needed to keep to the rate."""
        if not self.rate:
            return
        now = time.monotonic()
        self.allowance = min(self.burst, self.allowance + (now - self.last) * self.rate)
        self.last = now
        self.allowance -= size
        if self.allowance < 0:
            wait = -self.allowance / self.rate
            time.sleep(wait)
            self.last = time.monotonic()
            self.allowance = 0.0


def backup_rate_limit() -> RateLimit:
    """Return the bound of BACKUP_RATE_MB_S (0: none)."""
    return RateLimit(settings.BACKUP_RATE_MB_S * 1_000_000)


def gentle(command: list[str]) -> list[str]:
    """Return COMMAND run at idle disk priority and BACKUP_NICE CPU priority, where the tools
    for it exist (util-linux `ionice`, coreutils `nice`)."""
    prefix = []
    if (ionice := shutil.which("ionice")) and _ionice_works(ionice):
        prefix += [ionice, "-c", "3"]
    if settings.BACKUP_NICE and (nice := shutil.which("nice")):
        prefix += [nice, "-n", str(settings.BACKUP_NICE)]
    return prefix + command


def lower_own_priority() -> None:
    """Lower this process's CPU priority by BACKUP_NICE and its disk priority to idle."""
    if settings.BACKUP_NICE:
        os.nice(settings.BACKUP_NICE)
    if (ionice := shutil.which("ionice")) and _ionice_works(ionice):
        subprocess.run([ionice, "-c", "3", "-p", str(os.getpid())], check=False)  # noqa: S603


_IONICE_OK: dict[str, bool] = {}


def _ionice_works(ionice: str) -> bool:
    """Whether ionice may set the idle class here (some containers forbid it)."""
    if ionice not in _IONICE_OK:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [ionice, "-c", "3", "true"], capture_output=True, check=False
        )
        _IONICE_OK[ionice] = done.returncode == 0
    return _IONICE_OK[ionice]
