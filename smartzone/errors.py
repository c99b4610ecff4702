"""Failures of a part the platform stands on, turned into answers a person can act on.

- The database goes away (dropped connection, failover, restart): `DatabaseUnavailableMiddleware`
  answers 503 with Retry-After; Django opens a new connection for the next request.
- The media disk is full or its folder cannot be written: `save_file_or_refuse` removes what it
  half wrote and raises a ValidationError on the upload's field, so the form (or the API's 400)
  names the field and says to try again; the service's transaction rolls back, leaving no row.
  A form error rather than a 503 page: the person's typed text stays in the form.
"""

import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def storage_unavailable_message() -> str:
    return _(
        "The photo could not be stored: the station's storage is full or unavailable. "
        "Please try again in a few minutes, or send it without the photo."
    )


def save_file_or_refuse(field_file, name: str, content, *, field_name: str) -> None:
    """Save CONTENT under NAME into FIELD_FILE (a model's FieldFile) without saving the row.

    On a disk error (full, read-only, missing folder) remove any partly written file and raise
    ValidationError({FIELD_NAME: ...}). Call inside the service's transaction, so the row goes too.
    """
    storage, field = field_file.storage, field_file.field
    # Pick the free name first (as FieldFile.save would), so that on failure the partial file
    # is known and is never another upload's file of the same name.
    target = storage.get_available_name(
        field.generate_filename(field_file.instance, name), max_length=field.max_length
    )
    try:
        stored = storage.save(target, content, max_length=field.max_length)
    except OSError as exc:
        log.error("could not store upload %s: %s", target, exc)
        _remove_partial(storage, target)
        raise ValidationError({field_name: storage_unavailable_message()}, code="storage") from None
    # What FieldFile.save does after the storage wrote the file.
    field_file.name = stored
    setattr(field_file.instance, field.attname, stored)
    field_file._committed = True


def _remove_partial(storage, name: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError as exc:  # the disk is in trouble already; the file stays orphaned
        log.warning("could not remove partial upload %s: %s", name, exc)
