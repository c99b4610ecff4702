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


def test_the_sdk_connects_to_the_checked_address_not_to_a_second_lookup(
    settings, fake_line, monkeypatch
):
    """A name that resolves to the stand-in once, then elsewhere (DNS rebinding): the call
    still reaches the stand-in, by the host's name, after one lookup."""
    import socket

    port = int(fake_line.url.rsplit(":", 1)[1])
    real, lookups = socket.getaddrinfo, []

    def getaddrinfo(host, *args, **kwargs):
        if host != "line.rebind.test":
            return real(host, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.1" if len(lookups) == 1 else "127.0.0.3"  # nothing listens there
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    settings.LINE_API_HOST = f"http://line.rebind.test:{port}"
    assert send_one().accepted
    assert lookups == ["line.rebind.test"]
    (request,) = fake_line.sends("/push")
    assert request.headers["host"] == f"line.rebind.test:{port}"
    assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
