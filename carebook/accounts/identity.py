"""Who someone is, written one way: email addresses, phone numbers and birth dates.

One mailbox is one account and one failure counter: every door compares emails only after
`email_normalise` (NFKC, then case-folded), so `ſunita@…`, `SUNITA@…` and `sunita@…` are one
person. Addresses that mix alphabets to imitate another (a Cyrillic `а` in `pаypal`) are refused
at registration (`email_is_confusable`). Pure functions: no models, no database.
"""

import unicodedata
from datetime import date

import phonenumbers
from confusable_homoglyphs import confusables
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_PHONE_REGION = "IN"
OLDEST_BIRTH_YEAR = 1900
MAX_AGE_YEARS = 130


def email_normalise(email: str) -> str:
    """The one spelling of an address: trimmed, NFKC-normalised, invisible format characters
    (soft hyphen, zero-width space and joiners: category Cf) removed, then case-folded.

    Mail servers and IDNA drop those characters, so `gm\u00adail.com` reaches `gmail.com`: the
    address must be the same account too."""
    if not isinstance(email, str):
        return ""
    text = unicodedata.normalize("NFKC", email.strip())
    return "".join(c for c in text if unicodedata.category(c) != "Cf").casefold()


def email_is_confusable(email: str) -> bool:
    """Whether the address mixes scripts with look-alike letters (a homograph of another)."""
    normalised = email_normalise(email)
    local, _at, domain = normalised.rpartition("@")
    return any(bool(confusables.is_dangerous(part)) for part in (local, domain) if part)


def email_check(email: str) -> str:
    """The normalised address; ValidationError when it imitates another one."""
    normalised = email_normalise(email)
    if email_is_confusable(normalised):
        raise ValidationError(
            _(
                "This address mixes letters from different alphabets that look alike. "
                "Please type it in one alphabet."
            ),
            code="confusable_email",
        )
    return normalised


def phone_region() -> str:
    return getattr(settings, "CAREBOOK_PHONE_REGION", "") or DEFAULT_PHONE_REGION


def phone_to_e164(raw: str, *, region: str | None = None, strict: bool = True) -> str:
    """The number in E.164 (`+919845012345`); "" for an empty one; ValidationError if invalid.

    A number without a country code is read in the clinic's region (CAREBOOK_PHONE_REGION).
    `strict` (what people type into forms) wants a number in use; services accept any number
    of a possible shape (reserved and fictional ranges too), so imports and seeds still load.
    """
    raw = (raw or "").strip()
    if not raw:
        return ""
    invalid = ValidationError(
        _("Enter a valid phone number, with the country code if it is not from here."),
        code="invalid_phone",
    )
    try:
        number = phonenumbers.parse(raw, region or phone_region())
    except phonenumbers.NumberParseException as exc:
        raise invalid from exc
    usable = phonenumbers.is_valid_number if strict else phonenumbers.is_possible_number
    if not usable(number):
        raise invalid
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    """A stored number as people read it (`+91 98860 11223`); as stored if it does not parse."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def birth_date_check(born: date | str | None, *, today: date | None = None) -> date | None:
    """The date (ISO text is read) if a living person could have been born on it;
    ValidationError otherwise."""
    if born in (None, ""):
        return None
    if isinstance(born, str):
        try:
            born = date.fromisoformat(born)
        except ValueError as exc:
            raise ValidationError(_("Enter a valid date."), code="invalid_date") from exc
    today = today or timezone.localdate()
    if born > today:
        raise ValidationError(
            _("The date of birth cannot be in the future."), code="birth_date_future"
        )
    oldest = max(date(OLDEST_BIRTH_YEAR, 1, 1), _years_before(today, MAX_AGE_YEARS))
    if born < oldest:
        raise ValidationError(
            _("Please check the date of birth: it is too long ago."), code="birth_date_too_old"
        )
    return born


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)
