"""Talk to the LINE Messaging API through the official SDK (line-bot-sdk v3).

The host is `settings.LINE_API_HOST` (a local server stands in for LINE in tests). It is set by
the operator, never typed by a user; still, before every call its address passes the checks of
`smartzone.net` (an internal address must be listed in CAMERA_NETWORKS, metadata addresses never
pass), the SDK follows no redirects and every call has a timeout. The SDK then connects to the
address that was checked, not to a second lookup of the name (net.PinnedPoolManager). Results
say whether a request was accepted, may be retried (429, 5xx, network) or failed for good.
The access token goes only into the SDK's Authorization header: never into a result, an error
text or a log line.
"""

import logging
from dataclasses import dataclass

import urllib3
from django.conf import settings
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    BroadcastRequest,
    Configuration,
    ImageMessage,
    Message,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)

from smartzone import net

log = logging.getLogger(__name__)
MULTICAST_MAX = 500
TIMEOUT_S = 15


@dataclass(frozen=True)
class SendResult:
    accepted: bool
    retryable: bool = False
    status: int | None = None
    request_id: str = ""
    error: str = ""
    retry_after_s: int | None = None


def _client(access_token: str) -> ApiClient:
    """The SDK's client, connecting only to LINE's API host at the address that passed the
    checks (or raise net.FetchRefused). urllib3 would itself wait out a 429's Retry-After on a
    GET and try again inside the request: the tasks own their retries, so only a failed
    connection is tried again here."""
    target = net.check_url(settings.LINE_API_HOST)
    configuration = Configuration(host=settings.LINE_API_HOST, access_token=access_token)
    configuration.retries = urllib3.util.Retry(
        total=2, read=0, status=0, redirect=0, respect_retry_after_header=False
    )
    client = ApiClient(configuration)
    client.rest_client.pool_manager = net.pinned_pool_manager(
        target, client.rest_client.pool_manager
    )
    return client


def _header(headers, name: str) -> str:
    if not headers:
        return ""
    for key, value in dict(headers).items():
        if key.lower() == name:
            return str(value)
    return ""


def build_messages(*, text: str, image_url: str = "", link_url: str = "") -> list[Message]:
    """Return the LINE messages of a broadcast: its text (with the link) and its image."""
    body = f"{text}\n\n{link_url}" if link_url else text
    messages: list[Message] = [TextMessage(text=body[:5000])]
    if image_url:
        messages.append(ImageMessage(originalContentUrl=image_url, previewImageUrl=image_url))
    return messages


def messages_from_dicts(items: list[dict]) -> list[Message]:
    return [Message.from_dict(item) for item in items]


def _result_from_error(exc: Exception) -> SendResult:
    if isinstance(exc, net.FetchRefused):
        return SendResult(accepted=False, retryable=exc.retryable, error=exc.reason[:300])
    if isinstance(exc, ApiException):
        status = exc.status or 0
        body = exc.body.decode(errors="replace") if isinstance(exc.body, bytes) else exc.body
        error = f"HTTP {status} {exc.reason or ''}: {(body or '')[:300]}".strip()
        if status == 409 and _header(exc.headers, "x-line-accepted-request-id"):
            # The same retry key was accepted before: the messages went out then.
            return SendResult(
                accepted=True,
                status=status,
                request_id=_header(exc.headers, "x-line-accepted-request-id"),
            )
        retry_after = _header(exc.headers, "retry-after").strip()
        seconds = int(retry_after) if retry_after.isascii() and retry_after.isdigit() else None
        return SendResult(
            accepted=False,
            retryable=status == 429 or status >= 500,
            status=status,
            request_id=_header(exc.headers, "x-line-request-id"),
            error=error,
            retry_after_s=seconds,
        )
    return SendResult(accepted=False, retryable=True, error=f"{type(exc).__name__}: {exc}"[:300])


def send(
    *,
    access_token: str,
    method: str,
    recipients: list[str],
    messages: list[Message],
    retry_key: str,
) -> SendResult:
    """Send MESSAGES by METHOD ("broadcast", "multicast" or "push") with the retry key."""
    if method == "broadcast":
        request, call = BroadcastRequest(messages=messages), "broadcast_with_http_info"
    elif method == "multicast":
        if not 0 < len(recipients) <= MULTICAST_MAX:
            raise ValueError("multicast takes 1 to 500 recipients")
        request = MulticastRequest(to=recipients, messages=messages)
        call = "multicast_with_http_info"
    elif method == "push":
        request = PushMessageRequest(to=recipients[0], messages=messages)
        call = "push_message_with_http_info"
    else:
        raise ValueError(f"unknown method {method!r}")
    try:
        with _client(access_token) as client:
            response = getattr(MessagingApi(client), call)(
                request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT_S
            )
    except (ApiException, urllib3.exceptions.HTTPError, OSError, net.FetchRefused) as exc:
        result = _result_from_error(exc)
        log.warning("LINE %s failed: %s", method, result.error or result.status)
        return result
    except ValueError:
        # Errors raise before the body is read: this was a 2xx whose body the SDK could not
        # parse. The messages were accepted.
        log.warning("LINE %s: accepted, but the answer could not be parsed", method)
        return SendResult(accepted=True, status=200)
    return SendResult(
        accepted=True,
        status=response.status_code,
        request_id=_header(response.headers, "x-line-request-id"),
    )


def reply(*, access_token: str, reply_token: str, messages: list[Message]) -> SendResult:
    """Answer a webhook event with its reply token (valid for about a minute, no retries)."""
    try:
        with _client(access_token) as client:
            MessagingApi(client).reply_message(
                ReplyMessageRequest(replyToken=reply_token, messages=messages),
                _request_timeout=TIMEOUT_S,
            )
    except (ApiException, urllib3.exceptions.HTTPError, OSError, net.FetchRefused) as exc:
        result = _result_from_error(exc)
        log.warning("LINE reply failed: %s", result.error)
        return result
    except ValueError:
        log.warning("LINE reply: accepted, but the answer could not be parsed")
    return SendResult(accepted=True, status=200)


def profile(*, access_token: str, user_id: str) -> tuple[str | None, SendResult]:
    """Return the display name of a LINE user who follows the account, and how the call went.

    The name is None when the call failed; the result says whether trying again may help.
    """
    try:
        with _client(access_token) as client:
            answer = MessagingApi(client).get_profile(user_id, _request_timeout=TIMEOUT_S)
    except (ApiException, urllib3.exceptions.HTTPError, OSError, net.FetchRefused) as exc:
        result = _result_from_error(exc)
        log.warning("LINE profile failed: %s", result.error or result.status)
        return None, result
    except ValueError:
        log.warning("LINE profile: the answer could not be parsed")
        return None, SendResult(accepted=False, error="unparsable profile answer")
    return (answer.display_name or ""), SendResult(accepted=True, status=200)
