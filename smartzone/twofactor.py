"""The second sign-in step for supervisors and admins (TOTP), and the password change page."""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from smartzone.audit import audit_append
from smartzone.auth import needs_otp


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if len(token) != 6 or not token.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits shown in the authenticator app."))
        # django-otp throttles a device after a wrong code: 1, 2, 4, 8 ... seconds.
        allowed, data = self.device.verify_is_allowed()
        if not allowed:
            wait = int((data["locked_until"] - timezone.now()).total_seconds()) + 1
            raise forms.ValidationError(
                _("Too many wrong codes. Wait %(seconds)d seconds and try again.")
                % {"seconds": max(wait, 1)}
            )
        if not self.device.verify_token(token):
            raise forms.ValidationError(
                _("That code is wrong or has expired. Enter the current code from the app.")
            )
        return token


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("dashboard")


def _with_next(name: str, request) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


@login_required
def two_factor(request):
    """Ask a supervisor or admin with a confirmed device for the current code."""
    user = request.user
    if not needs_otp(user) or user.is_verified():
        return redirect(_next_url(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        return redirect(_with_next("two-factor-setup", request))
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return redirect(_next_url(request))
    return render(request, "smartzone/twofactor.html", {"form": form, "next": _next_url(request)})


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: show its QR code and secret, confirm with a first code."""
    user = request.user
    if not needs_otp(user) or user.is_verified():
        return redirect(_next_url(request))
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # Only a person without a device may enrol one; otherwise the password would suffice.
        return redirect(_with_next("two-factor", request))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_append(actor=user, action="auth.otp_enrolled", obj=user)
        otp_login(request, device)
        return redirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": mark_safe(qr_svg(device.config_url)),  # noqa: S308 (our own SVG)
        "secret": b32encode(device.bin_key).decode(),
    }
    return render(request, "smartzone/twofactor_setup.html", context)


def reset_devices(*, actor, user) -> int:
    """Remove every second-factor device of USER (lost phone): they enrol again at next login."""
    with transaction.atomic():
        count, _detail = TOTPDevice.objects.filter(user=user).delete()
        audit_append(actor=actor, action="auth.otp_reset", obj=user, changes={"devices": count})
    return count


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (it keeps this session signed in; every other session of the person ends)."""

    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit_append(actor=self.request.user, action="auth.password_changed", obj=form.user)
        return response
