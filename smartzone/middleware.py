import time

from django.conf import settings
from django.contrib.auth import logout
from django.middleware.locale import LocaleMiddleware


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Speak Thai unless the person chose another language with the switch (a cookie).

    Many phones and desk computers in Thailand run an English browser; the station's interface
    should still open in Thai, so the browser's Accept-Language is not consulted.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class SessionLifetimeMiddleware:
    """End a session 12 hours after login, however active (idle expiry is SESSION_COOKIE_AGE).

    Place after AuthenticationMiddleware.
    """

    KEY = "_smartzone_login_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(self.KEY, now)
            if now - started > settings.SESSION_MAX_LIFETIME:
                logout(request)
        return self.get_response(request)
