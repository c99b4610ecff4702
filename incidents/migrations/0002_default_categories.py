"""Seed the default report categories (editable in admin afterwards)."""

from django.db import migrations

DEFAULT_CATEGORIES = [
    ("theft", "ลักทรัพย์", "Theft"),
    ("burglary", "บุกรุก / ลักทรัพย์ในเคหสถาน", "Burglary"),
    ("robbery", "ชิงทรัพย์ / ปล้นทรัพย์", "Robbery"),
    ("assault", "ทำร้ายร่างกาย", "Assault"),
    ("drugs", "ยาเสพติด", "Drugs"),
    ("gambling", "การพนัน", "Gambling"),
    ("suspicious", "บุคคลหรือยานพาหนะน่าสงสัย", "Suspicious person or vehicle"),
    ("traffic-accident", "อุบัติเหตุจราจร", "Traffic accident"),
    ("fire", "ไฟไหม้", "Fire"),
    ("disturbance", "ก่อความเดือดร้อนรำคาญ / ทะเลาะวิวาท", "Disturbance"),
    ("other", "อื่น ๆ", "Other"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("incidents", "Category")
    for order, (code, name, name_en) in enumerate(DEFAULT_CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
        )


def unseed(apps, schema_editor):
    Category = apps.get_model("incidents", "Category")
    Category.objects.filter(
        code__in=[c for c, _n, _e in DEFAULT_CATEGORIES], reports__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
