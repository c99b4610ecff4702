"""Core data: stations, their safety zones and landmarks, officers, the audit trail, the outbox."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from smartzone import geo

LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class Station(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    lat = models.FloatField(_("latitude"), validators=LATITUDE)
    lng = models.FloatField(_("longitude"), validators=LONGITUDE)

    class Meta:
        verbose_name = _("police station")
        verbose_name_plural = _("police stations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SafetyZone(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="zones", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    boundary = models.JSONField(
        _("boundary"), help_text=_("GeoJSON Polygon in longitude/latitude (WGS 84).")
    )
    area_km2 = models.FloatField(_("area (km²)"), editable=False, default=0)
    perimeter_km = models.FloatField(_("boundary length (km)"), editable=False, default=0)
    residents = models.PositiveIntegerField(_("residents"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("safety zone")
        verbose_name_plural = _("safety zones")
        ordering = ["station", "name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="zone_name_unique_per_station")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Validate the boundary and compute its area and length from it."""
        try:
            polygon = geo.parse_polygon(self.boundary)
        except geo.GeometryError as exc:
            raise ValidationError({"boundary": str(exc)}) from exc
        self.boundary = geo.polygon_to_geojson(polygon)
        self.area_km2, self.perimeter_km = geo.area_and_perimeter_km(polygon)

    @property
    def polygon(self):
        return geo.parse_polygon(self.boundary)

    def contains(self, lat: float, lng: float) -> bool:
        return geo.contains(self.polygon, lat=lat, lng=lng)


class Landmark(models.Model):
    class Kind(models.TextChoices):
        MARKET = "market", _("market")
        GOLD_SHOP = "gold_shop", _("gold shop")
        BANK = "bank", _("bank")
        SCHOOL = "school", _("school")
        TEMPLE = "temple", _("temple")
        GOVERNMENT = "government", _("government office")
        HOSPITAL = "hospital", _("hospital")
        PIER = "pier", _("pier")
        OTHER = "other", _("other")

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="landmarks", verbose_name=_("station")
    )
    zone = models.ForeignKey(
        SafetyZone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="landmarks",
        verbose_name=_("safety zone"),
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    lat = models.FloatField(_("latitude"), validators=LATITUDE)
    lng = models.FloatField(_("longitude"), validators=LONGITUDE)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("landmark")
        verbose_name_plural = _("landmarks")
        ordering = ["station", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "name"], name="landmark_name_unique_per_station"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.zone_id and self.zone.station_id != self.station_id:
            raise ValidationError({"zone": _("The zone belongs to another station.")})


class OfficerProfile(models.Model):
    class Role(models.TextChoices):
        OFFICER = "officer", _("officer")
        SUPERVISOR = "supervisor", _("supervisor")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="officer",
        verbose_name=_("user"),
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="officers", verbose_name=_("station")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    rank = models.CharField(_("rank"), max_length=60, blank=True)
    badge_number = models.CharField(_("badge number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("officer profile")
        verbose_name_plural = _("officer profiles")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()}, {self.station})"

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR


class Commander(models.Model):
    """A person above the stations: a province's commander reads the stations of their province
    (Station.province, by name), the programme reads every station. Commanders only read: no
    service accepts them as an actor, and every look at a station's case is audited."""

    class Role(models.TextChoices):
        PROVINCE = "province", _("province commander")
        PROGRAMME = "programme", _("programme")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="commander",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    province = models.CharField(
        _("province"),
        max_length=100,
        blank=True,
        help_text=_("As the stations name it; empty for the programme."),
    )

    class Meta:
        verbose_name = _("commander")
        verbose_name_plural = _("commanders")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="province") & ~models.Q(province=""))
                | (models.Q(role="programme") & models.Q(province="")),
                name="commander_province_only_for_province_role",
            )
        ]

    def __str__(self) -> str:
        where = self.province or _("all stations")
        return f"{self.user.get_username()} ({self.get_role_display()}, {where})"

    def clean(self) -> None:
        if self.role == self.Role.PROVINCE and not self.province:
            raise ValidationError({"province": _("A province commander needs a province.")})
        if self.role == self.Role.PROGRAMME:
            self.province = ""
        if OfficerProfile.objects.filter(user_id=self.user_id).exists():
            raise ValidationError(_("An officer of a station cannot also be a commander."))


class AuditEntry(models.Model):
    """One write, append-only and hash-chained: `hash` covers this entry and `prev_hash`."""

    # The id is the entry's place in the chain, given under the chain lock; a gap is a deletion.
    id = models.PositiveBigIntegerField(primary_key=True)
    created_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    # Kept as it was written (no constraint, never nulled): the station id is part of the hash.
    station = models.ForeignKey(
        Station,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id} by {self.actor_label}"


class AuditHead(models.Model):
    """The newest entry's sequence and hash, so that deleting the tail of the chain shows.

    `first_seq` and `first_prev_hash` are the retention checkpoint: where the kept chain starts
    after old entries were purged (smartzone.retention.audit_purge), and the hash it links to.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    first_seq = models.PositiveBigIntegerField(default=1)
    first_prev_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class Event(models.Model):
    """The outbox: written with the change it reports, pushed to dashboards after commit."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="events", verbose_name=_("station")
    )
    kind = models.CharField(_("kind"), max_length=60)
    payload = models.JSONField(_("payload"), default=dict)
    # For the station's timeline: the zone it happened in, and words to search it by.
    zone = models.ForeignKey(
        SafetyZone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("safety zone"),
    )
    text = models.CharField(_("text"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    published_at = models.DateTimeField(_("pushed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["station", "id"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(published_at__isnull=True),
                name="event_unpublished_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def url(self) -> str:
        """The page the event links to (its payload's "url"), or "" when it has none."""
        return self.payload.get("url", "") if isinstance(self.payload, dict) else ""

    def as_message(self) -> dict:
        """Return the event as sent to a dashboard socket."""
        return {
            "id": self.pk,
            "station": self.station_id,
            "kind": self.kind,
            "payload": self.payload,
            "zone": self.zone_id,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
        }


class ApiToken(models.Model):
    """A key an app signs in to the API with ("Authorization: Token <key>"), stored hashed.

    The key is shown once, when made (`manage.py api_token_create`); only its SHA-256 is kept,
    so a copy of the database signs no one in. Deleting the row revokes it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("what it is for"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
