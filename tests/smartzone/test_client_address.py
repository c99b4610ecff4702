"""The client address: REMOTE_ADDR, or behind trusted proxies the entry the outermost appended."""

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from smartzone.clientaddr import UNKNOWN, client_address, ratelimit_address


def request(forwarded=None, remote="10.0.0.2"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    "count, forwarded, expected",
    [
        (0, None, "10.0.0.2"),
        (0, "198.51.100.1", "10.0.0.2"),  # no proxy trusted: the header is the client's word
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the spoofed left part is ignored
        (1, "a, b", "10.0.0.2"),  # not an address: the connection's address
        (1, None, "10.0.0.2"),  # the request did not come through the proxy
        (1, "", "10.0.0.2"),
        (2, "6.6.6.6, 198.51.100.1, 192.0.2.9", "198.51.100.1"),
        (2, "198.51.100.1", "10.0.0.2"),  # fewer entries than proxies: not through all of them
        (1, "198.51.100.1:4711", "198.51.100.1"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_appended(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(request(forwarded)) == expected


def test_an_unusable_remote_address_is_none_and_one_shared_rate_limit_bucket(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request(remote="")) is None
    assert ratelimit_address(request(remote="")) == UNKNOWN


def test_rate_limits_and_lockouts_use_the_client_address_function():
    assert django_settings.RATELIMIT_IP_META_KEY == "smartzone.clientaddr.ratelimit_address"
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "smartzone.clientaddr.client_address"
