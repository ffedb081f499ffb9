from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from carebook.core.gst import STATE_CHOICES, gstin_compact, validate_gstin
from carebook.core.timeutils import is_valid_zone, zone


def validate_time_zone(value: str) -> None:
    if not is_valid_zone(value):
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


class Clinic(models.Model):
    """The one clinic this installation serves, and its clinic-wide settings."""

    name = models.CharField(_("name"), max_length=200, default="carebook clinic")
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    gstin = models.CharField(_("GSTIN"), max_length=15, blank=True)
    patients_need_approval = models.BooleanField(
        _("patients need approval"),
        default=False,
        help_text=_("New patient accounts wait for staff approval before they can book."),
    )
    payment_at_booking = models.BooleanField(
        _("payment at booking"),
        default=False,
        help_text=_(
            "Patients pay online when they book; until paid the slot is only held. Otherwise "
            "they pay at the clinic."
        ),
    )
    max_active_holds = models.PositiveSmallIntegerField(
        _("active holds per patient"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("How many slots one patient may hold at once while paying or booking."),
    )
    request_expiry_hours = models.PositiveSmallIntegerField(
        _("undecided requests expire (hours before the visit)"),
        default=2,
        validators=[MaxValueValidator(24 * 14)],
        help_text=_(
            "A request nobody confirmed or rejected expires this long before its start: the "
            "slot is freed, the patient told and any payment settled. 0: at the start."
        ),
    )
    therapists_prescribe = models.BooleanField(
        _("therapists may prescribe"),
        default=False,
        help_text=_(
            "Doctors prescribe; physiotherapists, counsellors and other therapists only when "
            "this is on (where the law lets them)."
        ),
    )

    class Meta:
        verbose_name = _("clinic")

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "Clinic":
        clinic = cls.objects.order_by("pk").first()
        return clinic if clinic is not None else cls.objects.create()

    @classmethod
    def settings(cls) -> "Clinic":
        """The clinic's settings for reading: the defaults, unsaved, until the row exists (a
        page that only shows them never writes)."""
        return cls.objects.order_by("pk").first() or cls()


class Specialty(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Language(models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True, help_text="ISO 639-1, e.g. hi")
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("language")
        ordering = ["name"]

    def __str__(self):
        return self.name


def validate_currency(value: str) -> None:
    from babel.numbers import list_currencies

    if value not in list_currencies():
        raise ValidationError(
            _("%(value)s is not an ISO 4217 currency code."), params={"value": value}
        )


class TaxRegime(models.TextChoices):
    INDIA_GST = "india_gst", _("India: GST")
    UK_VAT = "uk_vat", _("United Kingdom: VAT")
    NONE = "none", _("No tax")


class TaxCategory(models.TextChoices):
    TAXABLE = "taxable", _("Taxable at a rate")
    EXEMPT = "exempt", _("Exempt")
    NIL_RATED = "nil_rated", _("Nil-rated (zero-rated)")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope (non-GST / outside the scope of VAT)")


# Health care by a clinical establishment or an authorised medical practitioner is exempt from
# GST (Notification 12/2017-Central Tax (Rate), entry 74); SAC 999312, medical services.
SERVICE_TAX_DEFAULTS = {"category": TaxCategory.EXEMPT, "rate": Decimal("0"), "code": "999312"}


class Location(models.Model):
    name = models.CharField(_("name"), max_length=120)
    address = models.TextField(_("address"))
    city = models.CharField(_("city"), max_length=80, db_index=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Kolkata", validators=[validate_time_zone]
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="INR",
        validators=[validate_currency],
        help_text=_("ISO 4217 code. Fees of visits here are in this currency."),
    )
    tax_regime = models.CharField(
        _("tax regime"), max_length=16, choices=TaxRegime, default=TaxRegime.INDIA_GST
    )
    gst_state = models.CharField(
        _("GST state"),
        max_length=2,
        choices=STATE_CHOICES,
        blank=True,
        help_text=_("India: the state this location supplies from (CGST + SGST within it)."),
    )
    gstin = models.CharField(
        _("GSTIN"),
        max_length=15,
        blank=True,
        validators=[validate_gstin],
        help_text=_("India: the registration of this location's state; empty: the clinic's."),
    )
    service_charge = models.DecimalField(
        _("booking service charge"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Added to every invoice of a visit here, in the location's currency."),
    )
    service_charge_tax_category = models.CharField(
        _("service charge: tax"),
        max_length=16,
        choices=TaxCategory,
        default=TaxCategory.TAXABLE,
    )
    service_charge_tax_rate = models.DecimalField(
        _("service charge: tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("18.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    service_charge_tax_code = models.CharField(
        _("service charge: SAC or VAT code"), max_length=16, blank=True, default="998599"
    )

    class Meta:
        verbose_name = _("location")
        ordering = ["city", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service_charge__gte=0), name="location_charge_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    service_charge_tax_rate__gte=0, service_charge_tax_rate__lte=100
                ),
                name="location_charge_rate_range",
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.city}"

    def clean(self):
        self.gstin = gstin_compact(self.gstin)
        if self.tax_regime == TaxRegime.INDIA_GST:
            if not self.gst_state:
                raise ValidationError({"gst_state": _("Choose the state this location is in.")})
            if self.gstin and self.gstin[:2] != self.gst_state:
                raise ValidationError(
                    {
                        "gstin": _("This GSTIN is registered in another state (code %(code)s).")
                        % {"code": self.gstin[:2]}
                    }
                )
        elif self.gstin:
            raise ValidationError({"gstin": _("A GSTIN belongs to a location under India's GST.")})

    @property
    def tz(self):
        return zone(self.time_zone)


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class VisitMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")


class Practitioner(models.Model):
    class Kind(models.TextChoices):
        DOCTOR = "doctor", _("Doctor")
        THERAPIST = "therapist", _("Therapist")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practitioner"
    )
    title = models.CharField(_("title"), max_length=20, blank=True, help_text="e.g. Dr.")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.DOCTOR)
    specialties = models.ManyToManyField(Specialty, related_name="practitioners", blank=True)
    qualifications = models.CharField(_("qualifications"), max_length=255, blank=True)
    registration_council = models.CharField(
        _("registering council"),
        max_length=120,
        blank=True,
        help_text=_("e.g. Karnataka Medical Council, General Medical Council."),
    )
    registration_number = models.CharField(
        _("medical council registration no."), max_length=100, blank=True
    )
    years_experience = models.PositiveSmallIntegerField(
        _("years of experience"), default=0, validators=[MaxValueValidator(70)]
    )
    gender = models.CharField(_("gender"), max_length=16, choices=Gender, blank=True)
    languages = models.ManyToManyField(Language, related_name="practitioners", blank=True)
    bio = models.TextField(_("about"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="practitioners/", blank=True)
    consultation_fee = models.DecimalField(
        _("consultation fee"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    offers_in_person = models.BooleanField(_("sees patients in person"), default=True)
    offers_video = models.BooleanField(_("offers video visits"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept current by records from visible reviews; the directory sorts and shows by them.
    rating_average = models.DecimalField(
        _("average rating"), max_digits=3, decimal_places=2, null=True, blank=True, editable=False
    )
    rating_count = models.PositiveIntegerField(_("ratings"), default=0, editable=False)

    class Meta:
        verbose_name = _("practitioner")
        ordering = ["user__full_name"]
        indexes = [models.Index(fields=["consultation_fee"]), models.Index(fields=["gender"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consultation_fee__gte=0), name="practitioner_fee_not_negative"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.title} {self.user.full_name}".strip()

    def may_prescribe(self, clinic: "Clinic") -> bool:
        """Whether this practitioner's type may write prescriptions at `clinic`."""
        return self.kind == self.Kind.DOCTOR or clinic.therapists_prescribe

    @cached_property
    def fee_currency(self) -> str:
        """The currency the practitioner's fees are in: their locations' (INR when none yet)."""
        found = (
            Location.objects.filter(windows__practitioner=self)
            .order_by("pk")
            .values_list("currency", flat=True)
            .first()
        )
        return found or "INR"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def visit_modes(self) -> list[str]:
        modes = []
        if self.offers_in_person:
            modes.append(VisitMode.IN_PERSON)
        if self.offers_video:
            modes.append(VisitMode.VIDEO)
        return modes


class Service(models.Model):
    """A kind of visit a practitioner offers, with its length and price."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(_("name"), max_length=120)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    price = models.DecimalField(
        _("price"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Empty means the practitioner's consultation fee. In the currency of the location "
            "where the visit happens."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    tax_category = models.CharField(
        _("tax"), max_length=16, choices=TaxCategory, default=SERVICE_TAX_DEFAULTS["category"]
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=SERVICE_TAX_DEFAULTS["rate"],
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("For a taxable service."),
    )
    tax_code = models.CharField(
        _("SAC or VAT code"), max_length=16, blank=True, default=SERVICE_TAX_DEFAULTS["code"]
    )

    class Meta:
        verbose_name = _("service")
        ordering = ["practitioner", "duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5), name="service_duration_min"
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100), name="service_rate_range"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def effective_price(self) -> Decimal:
        return self.price if self.price is not None else self.practitioner.consultation_fee


class ContactMessage(models.Model):
    """A message sent through the public contact form, for staff to read."""

    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact message")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subject} — {self.name}"
