"""Parse numbers, ids and dates that come from outside (query strings, forms, API bodies), with
bounds: one set of helpers for every page and endpoint, so that no value reaches the database
or date arithmetic out of range (a 500) and every refusal is a 400 naming the parameter.

ids: ASCII digits, 1 .. 2**63-1 (a bigint); dates: years 2000 to 2100; positions: latitude
-90..90, longitude -180..180, a phone's accuracy 0..ACCURACY_MAX_M metres; no number is NaN or
infinite.
"""

import math
from datetime import date, datetime

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

ID_MAX = 2**63 - 1
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
LATITUDE = (-90.0, 90.0)
LONGITUDE = (-180.0, 180.0)
ACCURACY_MAX_M = 100_000.0  # a phone that knows its place no better than this does not know it


class ParameterError(BadRequest):
    """A parameter from outside is not acceptable: NAME and REASON say which and why."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, str(reason)


def parse_id(value) -> int | None:
    """Return VALUE from outside (a query, form or postback parameter) as a database id, or None
    if it is not one: ASCII digits only (str.isdigit() also takes "²"), within a bigint."""
    # Spaces only: str.strip() would also drop control characters ("9\x1f" read as 9).
    text = "" if value is None else str(value).strip(" ")
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


def number(value, *, name: str, minimum: int, maximum: int) -> int:
    """Return VALUE as a whole number within MINIMUM..MAXIMUM, or raise ParameterError."""
    text = "" if value is None else str(value).strip(" ")
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise ParameterError(name, _("Give a whole number."))
    result = int(text)
    if not minimum <= result <= maximum:
        raise ParameterError(
            name,
            _("Give a number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum},
        )
    return result


def _date_out_of_range():
    return _("Give a date between %(min)s and %(max)s.") % {
        "min": DATE_MIN.isoformat(),
        "max": DATE_MAX.isoformat(),
    }


def check_date(value) -> None:
    """Raise ValidationError if VALUE (a date or datetime) lies outside DATE_MIN..DATE_MAX."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(_date_out_of_range(), code="date_range")


# --- form fields (pages) ------------------------------------------------------------------------


class DateField(forms.DateField):
    """A date within DATE_MIN..DATE_MAX."""

    default_validators = [check_date]


class DateTimeField(forms.DateTimeField):
    """A date and time within DATE_MIN..DATE_MAX."""

    default_validators = [check_date]

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError:  # year 1 or 9999 moved into another time zone
            raise ValidationError(_date_out_of_range(), code="date_range") from None


class IdField(forms.IntegerField):
    """A database id: 1 .. 2**63-1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value not in self.empty_values and not str(value).strip().isascii():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


# --- query serializers and fields (API) ---------------------------------------------------------


class IntegerParam(serializers.IntegerField):
    """A whole number of ASCII digits within its bounds (the schema shows them)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip().isascii():
            self.fail("invalid")
        return super().to_internal_value(data)


class IdParam(IntegerParam):
    """A database id: 1 .. 2**63-1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class DateTimeParam(serializers.DateTimeField):
    """A date and time within DATE_MIN..DATE_MAX (and any further VALIDATORS given)."""

    def __init__(self, **kwargs):
        kwargs["validators"] = [check_date, *kwargs.get("validators", [])]
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:  # year 1 or 9999 moved into another time zone
            raise serializers.ValidationError(_date_out_of_range()) from None


class DateParam(serializers.DateField):
    """A date within DATE_MIN..DATE_MAX (and any further VALIDATORS given)."""

    def __init__(self, **kwargs):
        kwargs["validators"] = [check_date, *kwargs.get("validators", [])]
        super().__init__(**kwargs)


class FloatParam(serializers.FloatField):
    """A finite number within its bounds (DRF's FloatField lets "nan" from a form body pass
    any bound, since NaN compares false to everything)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


def latitude(**kwargs) -> FloatParam:
    return FloatParam(min_value=LATITUDE[0], max_value=LATITUDE[1], **kwargs)


def longitude(**kwargs) -> FloatParam:
    return FloatParam(min_value=LONGITUDE[0], max_value=LONGITUDE[1], **kwargs)


def accuracy_m(**kwargs) -> FloatParam:
    return FloatParam(min_value=0, max_value=ACCURACY_MAX_M, **kwargs)


# --- form fields for positions (pages); Django's FloatField already refuses NaN and infinity --


def form_latitude(**kwargs) -> forms.FloatField:
    return forms.FloatField(min_value=LATITUDE[0], max_value=LATITUDE[1], **kwargs)


def form_longitude(**kwargs) -> forms.FloatField:
    return forms.FloatField(min_value=LONGITUDE[0], max_value=LONGITUDE[1], **kwargs)


def form_accuracy_m(**kwargs) -> forms.FloatField:
    return forms.FloatField(min_value=0, max_value=ACCURACY_MAX_M, **kwargs)


EMPTY_REASON = _("Give a value or leave the parameter out.")


def refuse_empty(query, names) -> None:
    """Raise a DRF ValidationError naming each of NAMES that QUERY (a QueryDict) has with an
    empty value: in the API an empty parameter is a mistake, not "no filter" (an HTML form
    sends its empty fields; the pages' forms read them as "no filter", the API does not)."""
    empty = [name for name in names if name in query and query.get(name) in ("", None)]
    if empty:
        raise serializers.ValidationError({name: [EMPTY_REASON] for name in empty})


class QueryParams(serializers.Serializer):
    """The query parameters of an API operation: each bounded by its field, none empty (the
    schema says so: minLength 1 for strings, a number or date for the others)."""

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            refuse_empty(data, self.fields)
        return super().to_internal_value(data)
