import pytest
from django.core.management import call_command


def test_the_openapi_schema_validates_without_warnings(tmp_path, db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    schema = (tmp_path / "s.yml").read_text()
    for route in ["/api/v1/zones/", "/api/v1/landmarks/", "/api/v1/events/"]:
        assert route in schema


@pytest.mark.django_db
def test_the_api_docs_are_served_offline_from_our_own_static_files(officer_client):
    page = officer_client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
    assert officer_client.get("/api/v1/schema/").status_code == 200
