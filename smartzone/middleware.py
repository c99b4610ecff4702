from django.middleware.locale import LocaleMiddleware


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Speak Thai unless the person chose another language with the switch (a cookie).

    Many phones and desk computers in Thailand run an English browser; the station's interface
    should still open in Thai, so the browser's Accept-Language is not consulted.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
