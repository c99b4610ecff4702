import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from smartzone import registry, selectors, services
from smartzone.models import Event, Landmark


def add_landmark(station, name, lat=16.5447, lng=104.7258, kind=Landmark.Kind.MARKET):
    return services.landmark_save(
        actor="test",
        landmark=Landmark(station=station, name=name, kind=kind, lat=lat, lng=lng),
    )


def listed(response) -> list[int]:
    page = response.content.decode()
    return [int(part.split('"')[0]) for part in page.split('data-event-id="')[1:]]


@pytest.fixture
def story(station, zone, other_station, other_zone):
    add_landmark(station, "ตลาดอินโดจีน")
    add_landmark(station, "Night market")
    add_landmark(station, "ท่าเรือ", lat=16.60, lng=104.80)  # outside the zone
    add_landmark(other_station, "ร้านทองดอนตาล", lat=16.405, lng=104.805)
    return Event.objects.filter(station=station).order_by("-pk")


def test_it_lists_the_stations_events_newest_first(officer_client, story):
    ids = listed(officer_client.get("/timeline/"))
    assert ids == [e.pk for e in story]


def test_it_filters_by_kind_family_zone_and_text_in_thai_and_english(officer_client, story, zone):
    landmarks = listed(officer_client.get("/timeline/?kind=landmark"))
    assert landmarks == [e.pk for e in story if e.kind.startswith("landmark.")]
    in_zone = listed(officer_client.get(f"/timeline/?zone={zone.pk}&kind=landmark"))
    assert len(in_zone) == 2
    assert listed(officer_client.get("/timeline/?q=อินโดจีน")) == [
        e.pk for e in story if "อินโดจีน" in e.text
    ]
    assert len(listed(officer_client.get("/timeline/?q=night"))) == 1  # case-insensitive


def test_it_filters_by_time(officer_client, story):
    cut = story[1].created_at
    Event.objects.filter(pk=story[0].pk).update(created_at=cut + timezone.timedelta(hours=1))
    since = (cut + timezone.timedelta(minutes=30)).astimezone().strftime("%Y-%m-%dT%H:%M")
    assert listed(officer_client.get(f"/timeline/?since={since}")) == [story[0].pk]


def test_pages_continue_from_the_last_id_without_gaps_or_repeats(station, zone):
    for i in range(7):
        add_landmark(station, f"จุด {i}")
    everything = [e.pk for e in Event.objects.filter(station=station).order_by("-pk")]
    seen, before = [], None
    while True:
        page = selectors.timeline_page(station_id=station.pk, before_id=before, limit=3)
        if not page:
            break
        seen += [e.pk for e in page]
        before = page[-1].pk
    assert seen == everything


def test_another_stations_events_never_show(other_officer_client, story, station):
    ids = listed(other_officer_client.get("/timeline/"))
    assert ids and not set(ids) & {e.pk for e in story}
    assert other_officer_client.get(f"/timeline/?station={station.pk}").status_code == 404


def test_bad_filters_say_what_to_fix(officer_client, story):
    response = officer_client.get(
        "/timeline/?since=2026-11-02T10:00&until=2026-11-01T10:00&kind=nonsense"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errorlist' in page
    assert listed(response) == []


def config_of(response) -> dict:
    page = response.content.decode()
    start = page.index('<script id="timeline-config" type="application/json">')
    return json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])


def test_its_labels_are_in_the_readers_language(officer_client, story):
    thai = officer_client.get("/timeline/")
    assert config_of(thai)["labels"]["landmark.created"] == "เพิ่มสถานที่สำคัญ"
    officer_client.post("/i18n/setlang/", {"language": "en", "next": "/timeline/"})
    english = officer_client.get("/timeline/")
    assert config_of(english)["labels"]["landmark.created"] == "Landmark added"
    assert '<option value="landmark">Landmark added</option>' in english.content.decode()


def test_a_kind_registered_later_is_offered_and_labelled(officer_client, station):
    officer_client.get("/timeline/")  # the labels of the kinds registered so far are in use
    registry.register_event_labels({"drill.started": "Drill started"})
    try:
        response = officer_client.get("/timeline/")
        assert config_of(response)["labels"]["drill.started"] == "Drill started"
        assert '<option value="drill">Drill started</option>' in response.content.decode()
    finally:
        del registry.EVENT_LABELS["drill.started"]
        registry.register_event_labels({})


def test_its_queries_do_not_grow_with_the_rows_shown(officer_client, station, zone):
    def add(count):
        Event.objects.bulk_create(
            Event(station=station, zone=zone, kind="sos.raised", text="SOS", payload={"url": "/"})
            for _ in range(count)
        )

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert officer_client.get(url).status_code == 200
        return len(captured)

    add(1)
    officer_client.get("/timeline/")
    one_row = queries("/timeline/")
    add(60)
    assert len(listed(officer_client.get("/timeline/"))) == 50
    assert queries("/timeline/") == queries(f"/timeline/?kind=sos&zone={zone.pk}") == one_row


def test_outsiders_are_refused(client, citizen):
    assert client.get("/timeline/").status_code == 302
    client.force_login(citizen)
    assert client.get("/timeline/").status_code == 403


@pytest.mark.postgres
def test_with_a_million_events_pages_use_an_index_not_a_sequential_scan(postgres, station, zone):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO smartzone_event (station_id, kind, payload, text, created_at)"
            " SELECT %s, CASE WHEN g %% 3 = 0 THEN 'sos.raised' ELSE 'incident.report' END,"
            " '{}'::jsonb, 'event ' || g, now() - (g || ' seconds')::interval"
            " FROM generate_series(1, 1000000) AS g",
            [station.pk],
        )
        cursor.execute("ANALYZE smartzone_event")
    middle = Event.objects.order_by("pk").values_list("pk", flat=True)[500_000]
    for before in (None, middle):
        for kinds in (None, ["sos"]):
            query = selectors.timeline_query(station_id=station.pk, kinds=kinds, before_id=before)
            plan = query[:51].explain()
            assert "Seq Scan on smartzone_event" not in plan, plan
            assert "Index" in plan, plan
    assert len(selectors.timeline_page(station_id=station.pk, before_id=middle)) == 50
