"""Store camera stream passwords encrypted: copy each plain password into the encrypted column,
then drop the plain one."""

from django.db import migrations, models

from smartzone import crypto

PASSWORD_CONTEXT = b"smartzone.cctv.camera-password.v1:"  # = cctv.models.PASSWORD_CONTEXT


def encrypt_passwords(apps, schema_editor):
    Camera = apps.get_model("cctv", "Camera")
    for camera in Camera.objects.exclude(password="").only("pk", "password"):
        camera.password_encrypted = crypto.encrypt(camera.password, context=PASSWORD_CONTEXT)
        camera.save(update_fields=["password_encrypted"])


def decrypt_passwords(apps, schema_editor):
    Camera = apps.get_model("cctv", "Camera")
    for camera in Camera.objects.exclude(password_encrypted="").only("pk", "password_encrypted"):
        camera.password = crypto.decrypt(camera.password_encrypted, context=PASSWORD_CONTEXT)
        camera.save(update_fields=["password"])


class Migration(migrations.Migration):
    dependencies = [("cctv", "0002_analysisjob_source_once_per_camera")]

    operations = [
        migrations.AddField(
            model_name="camera",
            name="password_encrypted",
            field=models.CharField(
                blank=True,
                editable=False,
                max_length=500,
                verbose_name="stream password (encrypted)",
            ),
        ),
        migrations.RunPython(encrypt_passwords, decrypt_passwords),
        migrations.RemoveField(model_name="camera", name="password"),
    ]
