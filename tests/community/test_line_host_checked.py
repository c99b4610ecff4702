"""LINE API calls pass the outbound address checks of smartzone.net like every other fetch."""

from community import line
from tests.community.conftest import ACCESS_TOKEN


def send_one():
    return line.send(
        access_token=ACCESS_TOKEN,
        method="push",
        recipients=["U0000000000000000000000000000001"],
        messages=line.build_messages(text="hello"),
        retry_key="8f4a2c3e-0000-4000-8000-000000000001",
    )


def test_a_line_host_on_a_network_nobody_opened_is_never_contacted(settings, fake_line):
    settings.CAMERA_NETWORKS = []
    result = send_one()
    assert not result.accepted and not result.retryable
    assert fake_line.requests == []
    assert ACCESS_TOKEN not in result.error


def test_a_line_host_on_the_metadata_address_is_refused(settings):
    settings.LINE_API_HOST = "http://169.254.169.254"
    settings.CAMERA_NETWORKS = ["0.0.0.0/0"]
    result = send_one()
    assert not result.accepted and not result.retryable


def test_the_local_stand_in_on_an_opened_network_gets_the_call(fake_line):
    assert send_one().accepted
    assert len(fake_line.sends("/push")) == 1
