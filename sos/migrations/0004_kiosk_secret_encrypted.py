"""Kiosk secrets: from plain text to encrypted at rest (smartzone.crypto)."""

from django.db import migrations, models

# Fixed here: the migration must keep meaning what it meant when written.
CONTEXT = b"smartzone.sos.kiosk-secret.v1:"


def encrypt_secrets(apps, schema_editor):
    from smartzone import crypto

    Kiosk = apps.get_model("sos", "Kiosk")
    for kiosk in Kiosk.objects.all():
        kiosk.secret_encrypted = crypto.encrypt(kiosk.secret, context=CONTEXT)
        kiosk.save(update_fields=["secret_encrypted"])


def decrypt_secrets(apps, schema_editor):
    from smartzone import crypto

    Kiosk = apps.get_model("sos", "Kiosk")
    for kiosk in Kiosk.objects.all():
        kiosk.secret = crypto.decrypt(kiosk.secret_encrypted, context=CONTEXT)
        kiosk.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("sos", "0003_kiosk_retired_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="kiosk",
            name="secret_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.RemoveField(model_name="kiosk", name="secret"),
    ]
