from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebook.accounts.identity import email_normalise
from carebook.core.gst import STATE_CHOICES


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=User.Role.STAFF, state=User.State.ACTIVE, is_superuser=True)
        return self._create(email, password, **fields)

    @classmethod
    def normalize_email(cls, email):
        """One spelling per mailbox (see `identity.email_normalise`)."""
        return email_normalise(email or "")

    def get_by_natural_key(self, username):
        return self.get(email=email_normalise(username or ""))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address; `role` says which part of carebook is theirs."""

    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        PRACTITIONER = "practitioner", _("Practitioner")
        STAFF = "staff", _("Staff")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    time_zone = models.CharField(
        _("your time zone"),
        max_length=64,
        blank=True,
        help_text=_(
            "Times are also shown in it when a clinic is elsewhere; empty: your browser's."
        ),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.PATIENT)
    state = models.CharField(_("account state"), max_length=16, choices=State, default=State.ACTIVE)
    is_active = models.BooleanField(_("can log in"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Staff- and system-made accounts count as verified from the start; a self-registration
    # starts empty until its signed link is followed (see `accounts.verification`).
    email_verified_at = models.DateTimeField(
        _("email verified"), null=True, blank=True, default=timezone.now
    )
    # Set when the person proved the phone is theirs (a code by SMS, `phone_claim`); then they
    # may log in with it too. Cleared when the number changes.
    phone_verified_at = models.DateTimeField(_("phone verified"), null=True, blank=True)
    # Bumped by `credentials.credentials_revoke`; a session stamped with an older value is over.
    session_epoch = models.PositiveIntegerField(_("session epoch"), default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            # A suspended account can never log in; every other state can.
            models.CheckConstraint(
                condition=models.Q(state="suspended", is_active=False)
                | (~models.Q(state="suspended") & models.Q(is_active=True)),
                name="user_active_matches_state",
            ),
            # A verified phone logs in: it names one account.
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(phone_verified_at__isnull=False),
                name="user_verified_phone_unique",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._phone_loaded = user.__dict__.get("phone")
        return user

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or "phone" in fields:
            self._phone_loaded = self.phone

    def save(self, *args, **kwargs):
        # A verified phone logs in, so a new number, changed at any door, must be proven again.
        loaded = getattr(self, "_phone_loaded", None)
        if self.phone_verified_at is not None and loaded is not None and self.phone != loaded:
            self.phone_verified_at = None
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "phone_verified_at"}
        super().save(*args, **kwargs)
        self._phone_loaded = self.phone

    @classmethod
    def normalize_username(cls, username):
        return email_normalise(username) if isinstance(username, str) else username

    @property
    def is_staff(self) -> bool:
        """Clinic staff use the admin site."""
        return self.role == self.Role.STAFF and self.state == self.State.ACTIVE

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def has_mailbox(self) -> bool:
        """False for a walk-in registered without an email (a placeholder address)."""
        return not self.email.endswith("@" + WALK_IN_DOMAIN)

    @property
    def is_practitioner(self) -> bool:
        return self.role == self.Role.PRACTITIONER

    @property
    def is_approved(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def has_perm(self, perm, obj=None):
        # Clinic staff run the whole clinic; finer staff roles are future work.
        if self.is_staff:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_staff:
            return True
        return super().has_module_perms(app_label)


# A walk-in registered without an email gets an address here (RFC 2606: never a mailbox).
WALK_IN_DOMAIN = "walk-in.invalid"


class PatientProfile(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNDISCLOSED = "undisclosed", _("Prefer not to say")

    class BloodGroup(models.TextChoices):
        A_POS = "A+", "A+"
        A_NEG = "A-", "A−"
        B_POS = "B+", "B+"
        B_NEG = "B-", "B−"
        AB_POS = "AB+", "AB+"
        AB_NEG = "AB-", "AB−"
        O_POS = "O+", "O+"
        O_NEG = "O-", "O−"
        UNKNOWN = "", _("Unknown")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient_profile")
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(
        _("gender"), max_length=16, choices=Gender, default=Gender.UNDISCLOSED
    )
    blood_group = models.CharField(_("blood group"), max_length=3, choices=BloodGroup, blank=True)
    address = models.TextField(_("address"), blank=True)
    state = models.CharField(
        _("state (India)"),
        max_length=2,
        choices=STATE_CHOICES,
        blank=True,
        help_text=_("Where you live, if in India: it decides the GST on the booking charge."),
    )
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=150, blank=True)
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=32, blank=True
    )

    class Meta:
        verbose_name = _("patient profile")

    def __str__(self):
        return str(self.user)


class FailedLogin(models.Model):
    """One failed login, kept briefly to slow repeated guessing (seen by every process)."""

    email = models.CharField(max_length=254, db_index=True)
    ip = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.email} from {self.ip} at {self.at:%Y-%m-%d %H:%M}"


class RateLimitHit(models.Model):
    """One counted request (a reset mail, a contact message) for `scope` by `key` (an address
    or an email), so every web process sees the same rate limits; old rows are pruned."""

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("rate-limit hit")
        ordering = ["-at"]
        indexes = [models.Index(fields=["scope", "key", "at"], name="ratelimithit_scope_key_at")]

    def __str__(self):
        return f"{self.scope} {self.key} at {self.at:%Y-%m-%d %H:%M}"


class ClaimCode(models.Model):
    """A one-time code texted to a patient's phone to claim an account made at the front desk.

    The code is never stored: it is derived from `nonce` under the site's secret key
    (`phone_claim.code_for`), as Django's reset tokens are. Live until `expires_at`, `used_at`
    or `MAX_TRIES` wrong tries; a newer code for the same account ends this one.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="claim_codes")
    phone = models.CharField(_("phone"), max_length=32)
    nonce = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    MAX_TRIES = 5

    class Meta:
        verbose_name = _("claim code")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phone", "-created_at"], name="claimcode_phone_created")]

    def __str__(self):
        return f"code for {self.phone} at {self.created_at:%Y-%m-%d %H:%M}"

    def is_live(self, at) -> bool:
        return self.used_at is None and self.attempts < self.MAX_TRIES and at < self.expires_at


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        # The table the api app created; the model moved here with its rows (migration 0003).
        db_table = "api_apitoken"
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    def is_live(self, at) -> bool:
        return self.revoked_at is None and self.expires_at > at
