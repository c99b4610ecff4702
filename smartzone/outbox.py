"""The event outbox: record an event with the write, push it to dashboards after commit.

`event_record` is the one way a service tells dashboards about a change. The event row is
written in the service's transaction, so a rollback leaves nothing to send. After commit it is
pushed to the station's group; an event that could not be pushed (Redis down, or written by a
process whose in-memory channel layer no dashboard listens on, like the embedded Celery worker)
stays unpublished and the relay sends it: every web process that serves dashboard sockets runs
the relay loop, and Celery beat runs it too where the channel layer is shared. A socket may see
an event twice from two senders; the consumer drops the repeat.
"""

import asyncio
import logging
from datetime import timedelta

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from smartzone.groupcommit import insert_all
from smartzone.models import Event
from smartzone.selectors import zone_holding

log = logging.getLogger(__name__)
RELAY_BATCH = 500


def group_name(station_id: int) -> str:
    return f"station.{station_id}"


# Payload keys whose text the timeline search looks at.
TEXT_KEYS = ("title", "name", "text", "summary", "message", "category_label", "kind_label")


def _event_text(payload: dict) -> str:
    words = [str(payload[k]) for k in TEXT_KEYS if isinstance(payload.get(k), str | int)]
    return " · ".join(words)[:500]


def _event_zone(station, payload: dict):
    lat, lng = payload.get("lat"), payload.get("lng")
    if not isinstance(lat, int | float) or not isinstance(lng, int | float):
        return None
    return zone_holding(station_id=getattr(station, "pk", station), lat=lat, lng=lng)


# event_record's ZONE when the caller did not say: the station's zone holding lat/lng, if any.
FROM_POINT = object()


def event_record(
    *, station, kind: str, payload: dict, zone=FROM_POINT, text: str | None = None
) -> Event:
    """Record an event for STATION's dashboards; it is pushed once the transaction commits.

    ZONE (a zone, or None for none) defaults to the station's zone holding the payload's
    lat/lng, TEXT (what the timeline search finds it by) to the payload's title, name or
    message. Call from a service, inside its transaction.
    """
    return events_record(
        [{"station": station, "kind": kind, "payload": payload, "zone": zone, "text": text}]
    )[0]


def events_record(records: list[dict]) -> list[Event]:
    """Record one event per record (event_record's keyword arguments as a dict) in one
    statement; they are pushed together once the transaction commits."""
    assert transaction.get_connection().in_atomic_block, "event_record needs a transaction"
    events = []
    for record in records:
        station, payload = record["station"], record["payload"]
        zone, text = record.get("zone", FROM_POINT), record.get("text")
        events.append(
            Event(
                station=station,
                kind=record["kind"],
                payload=payload,
                zone=_event_zone(station, payload) if zone is FROM_POINT else zone,
                text=_event_text(payload) if text is None else text[:500],
            )
        )
    insert_all(events)
    transaction.on_commit(lambda: push_events(events))
    return events


# --- sending -------------------------------------------------------------------------------

_local = {"sockets": 0, "task": None}


def can_push() -> bool:
    """Say whether a push from this process can reach dashboards at all.

    A shared layer (Redis) reaches every web process. The in-memory layer only reaches sockets
    of this process, so without any, leave the event for the web process's relay.
    """
    layer = get_channel_layer()
    if layer is None:
        return False
    return not isinstance(layer, InMemoryChannelLayer) or _local["sockets"] > 0


async def _send(events: list[Event]) -> None:
    layer = get_channel_layer()
    for event in events:
        await layer.group_send(
            group_name(event.station_id), {"type": "event.message", "event": event.as_message()}
        )


def _mark_published(ids: list[int]) -> None:
    Event.objects.filter(pk__in=ids, published_at__isnull=True).update(published_at=timezone.now())


def push_events(events: list[Event]) -> None:
    """Push these committed events now; on failure leave them for the relay."""
    if not can_push():
        return
    try:
        async_to_sync(_send)(events)
    except Exception as exc:  # Redis down or slow: the relay will send them.
        log.warning("event push failed, left for the relay: %s", exc)
        return
    _mark_published([e.pk for e in events])


def _pending(limit: int = RELAY_BATCH) -> list[Event]:
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_RELAY_GRACE)
    return list(
        Event.objects.filter(published_at__isnull=True, created_at__lte=cutoff).order_by("pk")[
            :limit
        ]
    )


async def relay_once() -> int:
    """Send events that were not pushed; return how many were sent."""
    if not can_push():
        return 0
    sent = 0
    while True:
        events = await sync_to_async(_pending)()
        if not events:
            return sent
        await _send(events)
        await sync_to_async(_mark_published)([e.pk for e in events])
        sent += len(events)
        if len(events) < RELAY_BATCH:
            return sent


def relay_pending() -> int:
    """Run one relay pass from synchronous code (Celery task, management command)."""
    return async_to_sync(relay_once)()


# --- the relay loop of a web process ---------------------------------------------------------


async def _relay_loop() -> None:
    # A cancel can be swallowed below (asgiref's sync_to_async, for one, may wait for its thread
    # and return the result instead): look for it each round, or the loop outlives its cancel
    # and a closing event loop (a server shutting down) waits for it forever.
    me = asyncio.current_task()
    while _local["sockets"] > 0 and not me.cancelling():
        await asyncio.sleep(settings.OUTBOX_RELAY_INTERVAL)
        try:
            await relay_once()
        except Exception as exc:  # Redis still down: try again next round.
            log.warning("outbox relay: %s", exc)


def socket_opened() -> None:
    """Count a dashboard socket of this process and make sure the relay loop runs.

    Call from the consumer, in the event loop.
    """
    _local["sockets"] += 1
    task = _local["task"]
    if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
        _local["task"] = asyncio.get_running_loop().create_task(_relay_loop())


def socket_closed() -> None:
    _local["sockets"] = max(0, _local["sockets"] - 1)
