"""Categories are edited in admin through the service; the demo reports seed once."""

from incidents import demo
from incidents.models import Category, Report
from smartzone import demo as core_demo
from smartzone.models import AuditEntry


def test_an_admin_adds_a_category_through_the_service(admin_client, categories):
    response = admin_client.post(
        "/admin/incidents/category/add/",
        {"code": "fraud", "name": "ฉ้อโกง", "name_en": "Fraud", "order": 120, "active": "on"},
    )
    assert response.status_code == 302
    fraud = Category.objects.get(code="fraud")
    assert AuditEntry.objects.filter(
        action="report_category.created", object_id=str(fraud.pk)
    ).exists()
    assert admin_client.get("/admin/incidents/report/").status_code == 200


def test_a_switched_off_category_is_not_offered(client, categories, zone):
    Category.objects.filter(code="gambling").update(active=False)
    html = client.get("/report/").content.decode()
    assert categories["gambling"].name not in html
    assert categories["theft"].name in html


def test_the_demo_reports_are_seeded_once(categories):
    core_demo.seed()
    created = demo.seed()
    assert len(created) == len(demo.REPORTS)
    assert demo.seed() == []
    assert Report.objects.count() == len(demo.REPORTS)
    by_label = {row[0]: Report.objects.get(description=row[3]) for row in demo.REPORTS}
    resolved = by_label["demo-report-1"]
    assert resolved.state == "resolved" and resolved.updates.filter(public=True).exists()
    assert by_label["demo-report-4"].outside_zone
    # No demo report can be fetched by a key written in the repository.
    assert not Report.objects.exclude(idempotency_key=None).exists()
