"""Reference data of the demo clinic: the clinic, its locations, languages, specialties and people.

Created once and never touched again: a row that already exists is left as it is.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.utils.text import slugify

from carebook.accounts.models import User
from carebook.clinic.models import Clinic, Language, Location, Service, Specialty
from carebook.clinic.services import (
    patient_register,
    practitioner_register,
    practitioner_verify,
)
from carebook.core.timeutils import now as utcnow
from carebook.demo.logins import (
    OTHERS_PASSWORD,
    PATIENT_LOGIN,
    STAFF_LOGIN,
    login_password,
)
from carebook.demo.practitioners import PRACTITIONERS, Doc
from carebook.demo.summary import Summary
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff

CLINIC = {
    "name": "Arogya Family Clinic",
    "address": "12, 100 Feet Road, HAL 2nd Stage, Indiranagar, Bengaluru, Karnataka 560038, India",
    "phone": "+91 80 4567 8900",
    "email": "hello@carebook.test",
    "gstin": "29AAGCA4821K1ZI",
    "patients_need_approval": False,
}

# India: consultations exempt (the services' default), a ₹50 booking charge at 18% GST.
INDIA = {
    "currency": "INR",
    "tax_regime": "india_gst",
    "service_charge": Decimal("50.00"),
    "service_charge_tax_category": "taxable",
    "service_charge_tax_rate": Decimal("18.00"),
    "service_charge_tax_code": "998599",
}

LOCATIONS = {
    "blr": {
        "name": "Arogya Indiranagar",
        "address": "12, 100 Feet Road, HAL 2nd Stage, Indiranagar, Bengaluru 560038",
        "city": "Bengaluru",
        "time_zone": "Asia/Kolkata",
        "phone": "+91 80 4567 8900",
        **INDIA,
        "gst_state": "29",
        "gstin": "29AAGCA4821K1ZI",
    },
    "bom": {
        "name": "Arogya Bandra West",
        "address": "3rd Floor, Silver Arch, Linking Road, Bandra West, Mumbai 400050",
        "city": "Mumbai",
        "time_zone": "Asia/Kolkata",
        "phone": "+91 22 6123 4500",
        **INDIA,
        "gst_state": "27",
        "gstin": "27AAGCA4821K1ZM",
    },
    "lon": {
        "name": "Arogya Harrow",
        "address": "221 Station Road, Harrow HA1 2TU, United Kingdom",
        "city": "London",
        "time_zone": "Europe/London",
        "phone": "+44 20 7946 0123",
        # Medical care by registered practitioners is exempt from VAT; the booking charge is
        # standard-rated (docs/billing.md).
        "currency": "GBP",
        "tax_regime": "uk_vat",
        "service_charge": Decimal("2.50"),
        "service_charge_tax_category": "taxable",
        "service_charge_tax_rate": Decimal("20.00"),
        "service_charge_tax_code": "S",
    },
}

LANGUAGES = {
    "en": "English",
    "hi": "Hindi",
    "kn": "Kannada",
    "mr": "Marathi",
    "ta": "Tamil",
    "te": "Telugu",
    "ml": "Malayalam",
    "bn": "Bengali",
    "gu": "Gujarati",
    "ur": "Urdu",
}

SPECIALTIES = {
    "General Physician": "Fevers, infections, diabetes, blood pressure and health check-ups.",
    "Paediatrics": "Care for babies, children and teenagers, vaccinations and growth.",
    "Gynaecology": "Women's health, pregnancy care, fertility and menopause.",
    "Physiotherapy": "Rehabilitation after injury or surgery, back and joint pain.",
    "Speech Therapy": "Speech, language, voice and swallowing therapy for children and adults.",
    "Counselling & Psychotherapy": "Talking therapies for stress, anxiety, depression and family.",
    "Dermatology": "Skin, hair and nail conditions: acne, eczema, psoriasis, hair loss.",
    "Cardiology": "Heart health: chest pain, palpitations, hypertension, ECG and echo review.",
}


# The GST state of a patient's address: it decides the tax on the booking charge.
STATES = (("Bengaluru", "29"), ("Mumbai", "27"))

PATIENTS = (
    # email, name, phone, dob, gender, blood group, address, emergency contact, phone
    (PATIENT_LOGIN[0], "Ishita Reddy", "+91 98450 67890", date(1991, 4, 12), "female", "B+",
     "Flat 402, Prestige Shantiniketan, Whitefield, Bengaluru 560048",
     "Karthik Reddy", "+91 98450 12345"),
    ("rohan.verma@carebook.test", "Rohan Verma", "+91 99000 23456", date(1985, 9, 23), "male",
     "O+", "21, 4th Block, Koramangala, Bengaluru 560034", "Nisha Verma", "+91 99000 65432"),
    ("sunita.kamath@carebook.test", "Sunita Kamath", "+91 98200 34567", date(1962, 1, 30),
     "female", "A+", "7, Shivaji Park Road, Dadar West, Mumbai 400028", "Anil Kamath",
     "+91 98200 76543"),
    ("aditya.kumar@carebook.test", "Aditya Kumar", "+91 97400 45678", date(1998, 7, 5), "male",
     "B-", "Sector 2, HSR Layout, Bengaluru 560102", "Rekha Kumar", "+91 97400 87654"),
    ("fatima.shaikh@carebook.test", "Fatima Shaikh", "+91 98670 56789", date(1988, 11, 17),
     "female", "AB+", "Hill Road, Bandra West, Mumbai 400050", "Imran Shaikh",
     "+91 98670 98765"),
    ("harish.gowda@carebook.test", "Harish Gowda", "+91 94480 67891", date(1975, 3, 8), "male",
     "O-", "9th Block, Jayanagar, Bengaluru 560069", "Savitha Gowda", "+91 94480 19876"),
    ("pooja.nambiar@carebook.test", "Pooja Nambiar", "+91 98190 78912", date(1993, 6, 21),
     "female", "A-", "Hiranandani Gardens, Powai, Mumbai 400076", "Vinod Nambiar",
     "+91 98190 21987"),
    ("manish.agarwal@carebook.test", "Manish Agarwal", "+91 98330 89123", date(1980, 12, 2),
     "male", "B+", "Chakala, Andheri East, Mumbai 400069", "Ritu Agarwal", "+91 98330 32198"),
    ("lakshmi.pillai@carebook.test", "Lakshmi Pillai", "+91 98860 91234", date(1957, 8, 14),
     "female", "O+", "15th Cross, Malleswaram, Bengaluru 560003", "Suresh Pillai",
     "+91 98860 43219"),
    ("sameer.khan@carebook.test", "Sameer Khan", "+91 99870 12345", date(2001, 2, 27), "male",
     "", "LBS Marg, Kurla West, Mumbai 400070", "Nazia Khan", "+91 99870 54321"),
    ("nikhil.chopra@carebook.test", "Nikhil Chopra", "+44 7700 900123", date(1990, 10, 10),
     "male", "A+", "14 Pinner Road, Harrow HA1 4HZ, United Kingdom", "Meghna Chopra",
     "+44 7700 900456"),
)  # fmt: skip


def seed_reference(*, summary: Summary) -> dict:
    """Create (once) the clinic, its places, people and calendars; return what bookings need."""
    clinic = Clinic.objects.order_by("pk").first()
    if clinic is None:
        Clinic.objects.create(**CLINIC)
        summary.count("clinic", True)
    elif not clinic.address and clinic.name == Clinic._meta.get_field("name").default:
        # An untouched default row (made by Clinic.current()) becomes the demo clinic.
        for key, value in CLINIC.items():
            setattr(clinic, key, value)
        clinic.save()
        summary.count("clinic", True)

    locations = {}
    for key, data in LOCATIONS.items():
        locations[key], created = Location.objects.get_or_create(
            name=data["name"], city=data["city"], defaults=data
        )
        summary.count("locations", created)
    languages = {}
    for code, name in LANGUAGES.items():
        languages[code], created = Language.objects.get_or_create(
            code=code, defaults={"name": name}
        )
        summary.count("languages", created)
    specialties = {}
    for name, description in SPECIALTIES.items():
        specialties[name], created = Specialty.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "description": description}
        )
        summary.count("specialties", created)

    staff = User.objects.filter(email=STAFF_LOGIN[0]).first()
    if staff is None:
        staff = User.objects.create_user(
            *STAFF_LOGIN,
            full_name="Anjali Mehra",
            phone="+91 80 4567 8901",
            role=User.Role.STAFF,
            state=User.State.ACTIVE,
        )
        summary.count("users", True)

    practitioners = {}
    new_accounts = []  # made without a password; they get the shared one below
    for doc in PRACTITIONERS:
        practitioners[doc.email] = _practitioner(
            doc,
            new_accounts=new_accounts,
            staff=staff,
            locations=locations,
            languages=languages,
            specialties=specialties,
            summary=summary,
        )

    patients = {}
    for email, name, phone, dob, gender, blood, address, contact, contact_phone in PATIENTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = patient_register(
                email=email,
                password=login_password(email),
                full_name=name,
                phone=phone,
                date_of_birth=dob,
                gender=gender,
                blood_group=blood,
                address=address,
                state=next((code for city, code in STATES if city in address), ""),
                emergency_contact_name=contact,
                emergency_contact_phone=contact_phone,
            )
            summary.count("users", True)
            if login_password(email) is None:
                new_accounts.append(email)
        patients[email] = user

    # Argon2 is slow on purpose: hash the password the other new accounts share only once.
    if new_accounts:
        User.objects.filter(email__in=new_accounts).update(password=make_password(OTHERS_PASSWORD))
    return {
        "staff": staff,
        "practitioners": practitioners,
        "patients": patients,
        "locations": {loc.pk: loc for loc in locations.values()},
    }


def _practitioner(doc: Doc, *, new_accounts, staff, locations, languages, specialties, summary):
    user = User.objects.filter(email=doc.email).select_related("practitioner").first()
    if user is not None:
        practitioner = getattr(user, "practitioner", None)
        if practitioner is None:
            raise CommandError(f"{doc.email} exists but is not a practitioner.")
        return practitioner
    # Registration leaves the account pending; verification below activates it.
    practitioner = practitioner_register(
        email=doc.email,
        password=login_password(doc.email),
        full_name=doc.full_name,
        phone=doc.phone,
        specialties=[specialties[name] for name in doc.specialties],
        title=doc.title,
        kind=doc.kind,
        qualifications=doc.qualifications,
        registration_number=doc.registration,
        years_experience=doc.years,
        gender=doc.gender,
        bio=doc.bio,
        consultation_fee=Decimal(doc.fee),
        offers_in_person=True,
        offers_video=doc.video,
    )
    summary.count("users", True)
    summary.count("practitioners", True)
    if login_password(doc.email) is None:
        new_accounts.append(doc.email)
    practitioner.languages.set([languages[code] for code in doc.languages])
    Service.objects.bulk_create(
        Service(
            practitioner=practitioner,
            name=name,
            duration_minutes=minutes,
            price=None if price is None else Decimal(price),
        )
        for name, minutes, price in doc.services
    )
    BookingRules.objects.create(
        practitioner=practitioner,
        max_days_ahead=60,
        cancellation_cutoff_hours=24,
        **doc.rules,
    )
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(
            practitioner=practitioner,
            location=locations[hours.location],
            weekday=weekday,
            start_time=time.fromisoformat(hours.start),
            end_time=time.fromisoformat(hours.end),
        )
        for hours in doc.hours
        for weekday in hours.weekdays()
    )
    if doc.time_off_days:
        tz = locations[doc.hours[0].location].tz
        today = utcnow().astimezone(tz).date()
        first, last = doc.time_off_days
        TimeOff.objects.create(
            practitioner=practitioner,
            start=datetime.combine(today + timedelta(days=first), time.min, tz),
            end=datetime.combine(today + timedelta(days=last + 1), time.min, tz),
            reason="Medical conference",
        )
    if doc.verified:
        practitioner = practitioner_verify(practitioner=practitioner, by=staff)
    return practitioner
