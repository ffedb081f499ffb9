"""The demo clinic behind `manage.py seed_demo`: believable, idempotent, dated from today.

Reference data (clinic, locations, people, calendars) is created once and never touched again.
Appointments are booked through the booking services with `now` set to the moment each step
happened, so every one of them is a slot the engine offered then, with its history rows; the
history and created/updated stamps are then dated to those moments.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.text import slugify

from carebook.accounts.models import User
from carebook.accounts.services import patient_register, practitioner_register
from carebook.booking.availability import slots_free
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.services import (
    appointment_book,
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_reject,
    appointment_reschedule,
)
from carebook.clinic.models import (
    Clinic,
    Gender,
    Language,
    Location,
    Practitioner,
    Service,
    Specialty,
    VisitMode,
)
from carebook.clinic.services import practitioner_verify
from carebook.core.timeutils import now as utcnow
from carebook.core.timeutils import zone
from carebook.scheduling import engine
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff
from carebook.scheduling.selectors import rules_to_engine

SEED = 20250101
HOME_ZONE = "Asia/Kolkata"
ADMIN_URL = "http://127.0.0.1:8000/admin/"

STAFF_LOGIN = ("staff@carebook.test", "carebook-staff")
DOCTOR_LOGIN = ("doctor@carebook.test", "carebook-doctor")
PATIENT_LOGIN = ("patient@carebook.test", "carebook-patient")
OTHERS_PASSWORD = "carebook-demo"  # every other demo account
UK_PATIENT = "nikhil.chopra@carebook.test"

S = Appointment.Status

CLINIC = {
    "name": "Arogya Family Clinic",
    "address": "12, 100 Feet Road, HAL 2nd Stage, Indiranagar, Bengaluru, Karnataka 560038, India",
    "phone": "+91 80 4567 8900",
    "email": "hello@carebook.test",
    "gstin": "29AAGCA4821K1Z6",
    "patients_need_approval": False,
}

LOCATIONS = {
    "blr": {
        "name": "Arogya Indiranagar",
        "address": "12, 100 Feet Road, HAL 2nd Stage, Indiranagar, Bengaluru 560038",
        "city": "Bengaluru",
        "time_zone": "Asia/Kolkata",
        "phone": "+91 80 4567 8900",
    },
    "bom": {
        "name": "Arogya Bandra West",
        "address": "3rd Floor, Silver Arch, Linking Road, Bandra West, Mumbai 400050",
        "city": "Mumbai",
        "time_zone": "Asia/Kolkata",
        "phone": "+91 22 6123 4500",
    },
    "lon": {
        "name": "Arogya Harrow",
        "address": "221 Station Road, Harrow HA1 2TU, United Kingdom",
        "city": "London",
        "time_zone": "Europe/London",
        "phone": "+44 20 7946 0123",
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

WEEKDAYS = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}


@dataclass(frozen=True)
class Hours:
    location: str
    days: str  # "Mon-Sat" or "Mon,Wed,Fri"
    start: str
    end: str

    def weekdays(self) -> list[int]:
        if "-" in self.days:
            first, last = self.days.split("-")
            return list(range(WEEKDAYS[first], WEEKDAYS[last] + 1))
        return [WEEKDAYS[d] for d in self.days.split(",")]


@dataclass(frozen=True)
class Doc:
    email: str
    full_name: str
    title: str
    kind: str
    gender: str
    specialties: tuple[str, ...]
    qualifications: str
    years: int
    languages: tuple[str, ...]
    fee: int
    video: bool
    bio: str
    services: tuple[tuple[str, int, int | None], ...]  # name, minutes, price (None: the fee)
    hours: tuple[Hours, ...]
    rules: dict = field(default_factory=dict)
    registration: str = ""  # medical or allied-health council registration number
    phone: str = ""
    time_off_days: tuple[int, int] | None = None  # days from today, inclusive
    verified: bool = True


D, T = Practitioner.Kind.DOCTOR, Practitioner.Kind.THERAPIST
F, M = Gender.FEMALE, Gender.MALE

PRACTITIONERS = (
    Doc(
        email=DOCTOR_LOGIN[0],
        full_name="Priya Sharma",
        title="Dr.",
        kind=D,
        gender=F,
        specialties=("General Physician",),
        qualifications="MBBS, MD (General Medicine)",
        registration="KMC 74512",
        years=12,
        languages=("en", "hi", "kn"),
        fee=600,
        video=True,
        bio=(
            "Family physician with a special interest in diabetes, thyroid and preventive "
            "care. Trained at St. John's Medical College, Bengaluru."
        ),
        services=(
            ("General consultation", 15, None),
            ("Follow-up visit", 15, 400),
            ("Annual health check", 45, 1500),
        ),
        hours=(
            Hours("blr", "Mon-Sat", "09:00", "13:00"),
            Hours("blr", "Mon,Wed,Fri", "17:00", "19:30"),
        ),
        rules={"slot_step_minutes": 15, "buffer_after_minutes": 5, "min_notice_minutes": 60},
        phone="+91 98450 11001",
    ),
    Doc(
        email="arjun.iyer@carebook.test",
        full_name="Arjun Iyer",
        title="Dr.",
        kind=D,
        gender=M,
        specialties=("Paediatrics",),
        qualifications="MBBS, MD (Paediatrics)",
        registration="KMC 61234",
        years=15,
        languages=("en", "ta", "kn", "hi"),
        fee=800,
        video=False,
        bio="Paediatrician for newborns to teenagers: vaccinations, growth, asthma and allergies.",
        services=(
            ("Child consultation", 20, None),
            ("Vaccination visit", 15, 500),
            ("Developmental assessment", 45, 1500),
        ),
        hours=(
            Hours("blr", "Mon,Wed,Fri", "10:00", "14:00"),
            Hours("bom", "Tue,Thu,Sat", "10:00", "13:00"),
        ),
        rules={
            "slot_step_minutes": 15,
            "buffer_after_minutes": 10,
            "min_notice_minutes": 120,
            "auto_confirm": True,
        },
    ),
    Doc(
        email="kavita.deshpande@carebook.test",
        full_name="Kavita Deshpande",
        title="Dr.",
        kind=D,
        gender=F,
        specialties=("Gynaecology",),
        qualifications="MBBS, MS (Obstetrics & Gynaecology)",
        registration="MMC 2006/04/1872",
        years=18,
        languages=("en", "hi", "mr"),
        fee=1000,
        video=True,
        bio="Obstetrician and gynaecologist; antenatal care, PCOS and menopause clinics.",
        services=(("Gynaecology consultation", 30, None), ("Antenatal check-up", 30, 900)),
        hours=(
            Hours("bom", "Mon-Sat", "10:00", "13:00"),
            Hours("bom", "Mon,Wed", "17:00", "19:00"),
        ),
        rules={"slot_step_minutes": 30, "min_notice_minutes": 240},
        time_off_days=(8, 10),
    ),
    Doc(
        email="rahul.menon@carebook.test",
        full_name="Rahul Menon",
        title="Dr.",
        kind=D,
        gender=M,
        specialties=("Cardiology",),
        qualifications="MBBS, MD (Medicine), DM (Cardiology)",
        registration="KMC 52871",
        years=20,
        languages=("en", "ml", "hi"),
        fee=1500,
        video=False,
        bio="Interventional cardiologist; chest pain, heart failure and hypertension clinics.",
        services=(("Cardiology consultation", 30, None), ("ECG review", 15, 700)),
        hours=(
            Hours("blr", "Tue,Thu,Sat", "09:30", "13:30"),
            Hours("bom", "Mon,Wed", "16:00", "19:00"),
        ),
        rules={
            "slot_step_minutes": 15,
            "buffer_before_minutes": 10,
            "buffer_after_minutes": 5,
            "min_notice_minutes": 240,
            "auto_confirm": True,
        },
    ),
    Doc(
        email="sneha.kulkarni@carebook.test",
        full_name="Sneha Kulkarni",
        title="Dr.",
        kind=D,
        gender=F,
        specialties=("Dermatology",),
        qualifications="MBBS, MD (Dermatology, Venereology & Leprosy)",
        registration="MMC 2015/08/3390",
        years=9,
        languages=("en", "hi", "mr"),
        fee=900,
        video=True,
        bio="Dermatologist for acne, eczema, psoriasis, hair loss and pigmentation.",
        services=(("Skin consultation", 20, None), ("Acne follow-up", 15, 600)),
        hours=(
            Hours("bom", "Mon-Fri", "15:00", "19:00"),
            Hours("bom", "Sat", "10:00", "13:00"),
        ),
        rules={"slot_step_minutes": 10, "min_notice_minutes": 120},
    ),
    Doc(
        email="vikram.singh@carebook.test",
        full_name="Vikram Singh",
        title="Dr.",
        kind=D,
        gender=M,
        specialties=("General Physician",),
        qualifications="MBBS, DNB (Family Medicine)",
        registration="MMC 2017/02/5521",
        years=7,
        languages=("en", "hi", "gu"),
        fee=400,
        video=True,
        bio="Family medicine: acute illness, chronic disease follow-up and travel vaccines.",
        services=(("General consultation", 15, None), ("Chronic care review", 30, 700)),
        hours=(Hours("bom", "Mon-Sat", "08:30", "12:30"),),
        rules={"slot_step_minutes": 15, "min_notice_minutes": 60, "auto_confirm": True},
    ),
    Doc(
        email="divya.nair@carebook.test",
        full_name="Divya Nair",
        title="",
        kind=T,
        gender=F,
        specialties=("Physiotherapy",),
        qualifications="BPT, MPT (Musculoskeletal)",
        years=8,
        languages=("en", "ml", "kn"),
        fee=700,
        video=False,
        bio="Musculoskeletal physiotherapist: back and neck pain, knee rehab, posture.",
        services=(("Physiotherapy session", 45, None), ("Initial assessment", 60, 1000)),
        hours=(
            Hours("blr", "Mon-Fri", "07:30", "11:30"),
            Hours("blr", "Mon-Fri", "16:00", "19:00"),
        ),
        rules={
            "slot_step_minutes": 15,
            "buffer_after_minutes": 15,
            "min_notice_minutes": 120,
            "auto_confirm": True,
        },
    ),
    Doc(
        email="karthik.subramanian@carebook.test",
        full_name="Karthik Subramanian",
        title="",
        kind=T,
        gender=M,
        specialties=("Physiotherapy",),
        qualifications="BPT, MPT (Sports Physiotherapy)",
        years=6,
        languages=("en", "ta"),
        fee=600,
        video=True,
        bio="Sports physiotherapist for runners and cricketers; tele-rehab check-ins by video.",
        services=(("Sports physiotherapy session", 45, None), ("Tele-rehab check-in", 30, 450)),
        hours=(
            Hours("bom", "Tue,Thu,Sat", "08:00", "12:00"),
            Hours("bom", "Mon,Wed,Fri", "16:00", "19:00"),
        ),
        rules={"slot_step_minutes": 15, "buffer_after_minutes": 15, "min_notice_minutes": 60},
    ),
    Doc(
        email="meera.joshi@carebook.test",
        full_name="Meera Joshi",
        title="",
        kind=T,
        gender=F,
        specialties=("Speech Therapy",),
        qualifications="BASLP, MASLP",
        registration="RCI A45021",
        years=10,
        languages=("en", "hi", "mr"),
        fee=800,
        video=True,
        bio="Speech-language pathologist: late talkers, stammering, voice and adult aphasia.",
        services=(("Speech therapy session", 45, None), ("Speech & language assessment", 60, 1200)),
        hours=(
            Hours("bom", "Mon,Wed,Fri", "10:00", "14:00"),
            Hours("blr", "Tue,Thu", "10:00", "14:00"),
        ),
        rules={"slot_step_minutes": 15, "buffer_after_minutes": 15, "min_notice_minutes": 240},
    ),
    Doc(
        email="ananya.rao@carebook.test",
        full_name="Ananya Rao",
        title="Dr.",
        kind=T,
        gender=F,
        specialties=("Counselling & Psychotherapy",),
        qualifications="PhD (Clinical Psychology), M.Phil, RCI licensed",
        registration="HCPC PYL034567",
        years=11,
        languages=("en", "kn", "te", "hi"),
        fee=1200,
        video=True,
        bio=(
            "Clinical psychologist; CBT for anxiety and depression. Sees clients in Harrow "
            "and by video."
        ),
        services=(("Psychotherapy session", 50, None), ("First consultation", 60, 1500)),
        hours=(
            Hours("lon", "Mon,Tue,Thu", "09:00", "13:00"),
            Hours("lon", "Wed", "14:00", "18:00"),
        ),
        rules={
            "slot_step_minutes": 30,
            "buffer_after_minutes": 10,
            "min_notice_minutes": 240,
            "auto_confirm": True,
        },
    ),
    Doc(
        email="farhan.qureshi@carebook.test",
        full_name="Farhan Qureshi",
        title="",
        kind=T,
        gender=M,
        specialties=("Counselling & Psychotherapy",),
        qualifications="MA (Counselling Psychology), PG Diploma in Family Therapy",
        years=5,
        languages=("en", "hi", "ur"),
        fee=900,
        video=True,
        bio="Counsellor for young adults, couples and families; evenings and Saturdays.",
        services=(("Counselling session", 50, None), ("Couples counselling", 60, 1400)),
        hours=(
            Hours("blr", "Mon-Fri", "17:00", "20:00"),
            Hours("blr", "Sat", "10:00", "14:00"),
        ),
        rules={"slot_step_minutes": 30, "buffer_after_minutes": 10, "min_notice_minutes": 120},
    ),
    Doc(
        email="sunil.patel@carebook.test",
        full_name="Sunil Patel",
        title="Dr.",
        kind=D,
        gender=M,
        specialties=("General Physician",),
        qualifications="MBBS, MRCGP",
        registration="GMC 6123456",
        years=16,
        languages=("en", "gu", "hi"),
        fee=1500,
        video=True,
        bio="General practitioner in Harrow; second opinions for families in India by video.",
        services=(("GP consultation", 20, None), ("Travel health consultation", 30, None)),
        hours=(Hours("lon", "Mon-Fri", "08:30", "12:30"),),
        rules={"slot_step_minutes": 20, "min_notice_minutes": 60, "auto_confirm": True},
    ),
    Doc(
        email="neha.gupta@carebook.test",
        full_name="Neha Gupta",
        title="Dr.",
        kind=D,
        gender=F,
        specialties=("Gynaecology",),
        qualifications="MBBS, DGO, DNB (Obstetrics & Gynaecology)",
        registration="KMC 66120",
        years=13,
        languages=("en", "hi", "kn", "bn"),
        fee=1100,
        video=True,
        bio="Gynaecologist with a fertility and high-risk pregnancy practice.",
        services=(("Gynaecology consultation", 30, None), ("Fertility consultation", 45, 1500)),
        hours=(
            Hours("blr", "Mon,Wed,Fri", "14:00", "18:00"),
            Hours("bom", "Sat", "14:00", "17:00"),
        ),
        rules={
            "slot_step_minutes": 15,
            "buffer_before_minutes": 5,
            "buffer_after_minutes": 5,
            "min_notice_minutes": 180,
        },
    ),
    Doc(
        email="rohit.bansal@carebook.test",
        full_name="Rohit Bansal",
        title="Dr.",
        kind=D,
        gender=M,
        specialties=("Dermatology",),
        qualifications="MBBS, DDVL",
        registration="MMC 2021/11/7788",
        years=3,
        languages=("en", "hi"),
        fee=700,
        video=True,
        bio="Dermatologist; registered this week and waiting for the clinic to verify him.",
        services=(("Skin consultation", 20, None),),
        hours=(Hours("bom", "Sat", "14:00", "17:00"),),
        rules={"slot_step_minutes": 20},
        verified=False,
    ),
)

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

REASONS = {
    "General Physician": [
        "Fever and sore throat for three days",
        "Follow-up: blood sugar and HbA1c results",
        "Persistent cough after a cold",
        "Blood pressure review",
        "Acidity and stomach pain after meals",
    ],
    "Paediatrics": [
        "Booster vaccination due",
        "Child has a runny nose and mild fever",
        "Growth and weight check",
        "Recurring wheezing at night",
    ],
    "Gynaecology": [
        "Irregular periods",
        "Antenatal check-up, 20 weeks",
        "PCOS follow-up",
        "Routine Pap smear",
    ],
    "Physiotherapy": [
        "Lower back pain after long drives",
        "Knee rehab after ACL surgery",
        "Neck stiffness from desk work",
        "Frozen shoulder",
    ],
    "Speech Therapy": [
        "Three-year-old not yet speaking in sentences",
        "Stammering when anxious",
        "Voice strain from teaching",
    ],
    "Counselling & Psychotherapy": [
        "Work stress and poor sleep",
        "Anxiety before exams",
        "Low mood for a few months",
        "Couples counselling",
    ],
    "Dermatology": [
        "Acne flare-up",
        "Hair fall for six months",
        "Itchy rash on the arms",
        "Pigmentation on the face",
    ],
    "Cardiology": [
        "Palpitations while climbing stairs",
        "ECG review after an annual health check",
        "Chest tightness on exertion",
        "Hypertension follow-up",
    ],
}
REJECT_REASONS = [
    "The doctor is in surgery at that time; please choose another slot.",
    "Please book the initial assessment before a regular session.",
    "This needs an in-person visit first; please book at the clinic rather than by video.",
]
PATIENT_CANCEL_REASONS = [
    "Feeling better, no longer needed.",
    "Travelling for work that week.",
    "Clashes with an office meeting.",
]
PRACTITIONER_CANCEL_REASONS = [
    "Called away for an emergency; the clinic will call to rebook.",
    "Clinic closed for maintenance that afternoon.",
]


@dataclass
class Summary:
    created: dict[str, int] = field(default_factory=dict)
    appointments_created: int = 0

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1


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
                password=_login_password(email),
                full_name=name,
                phone=phone,
                date_of_birth=dob,
                gender=gender,
                blood_group=blood,
                address=address,
                emergency_contact_name=contact,
                emergency_contact_phone=contact_phone,
            )
            summary.count("users", True)
            if _login_password(email) is None:
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


def _login_password(email: str) -> str | None:
    """The password of a demo login; None (no usable password yet) for the other accounts."""
    logins = dict([STAFF_LOGIN, DOCTOR_LOGIN, PATIENT_LOGIN])
    return logins.get(email)


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
        password=_login_password(doc.email),
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
    if _login_password(doc.email) is None:
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


class _Diary:
    """Books the demo's appointments through the services, each step at its own moment."""

    def __init__(self, *, now: datetime, locations: dict[int, Location]):
        self.rng = random.Random(SEED)
        self.now = now.replace(second=0, microsecond=0)
        self.today = self.now.astimezone(zone(HOME_ZONE)).date()
        self.locations = locations
        self.held: dict[int, list[tuple[datetime, datetime]]] = {}
        self.visits: dict[int, list[tuple[datetime, datetime]]] = {}
        self.stamps: dict[int, list[datetime]] = {}
        self._rules: dict[int, BookingRules] = {}
        self._services: dict[int, list[Service]] = {}
        self._specialty: dict[int, str] = {}

    # What a practitioner offers --------------------------------------------------------------

    def rules(self, practitioner: Practitioner) -> BookingRules:
        if practitioner.pk not in self._rules:
            self._rules[practitioner.pk] = BookingRules.objects.get(practitioner=practitioner)
        return self._rules[practitioner.pk]

    def services(self, practitioner: Practitioner) -> list[Service]:
        if practitioner.pk not in self._services:
            self._services[practitioner.pk] = list(
                practitioner.services.filter(is_active=True).order_by("duration_minutes", "pk")
            )
        return self._services[practitioner.pk]

    def specialty(self, practitioner: Practitioner) -> str:
        if practitioner.pk not in self._specialty:
            first = practitioner.specialties.order_by("name").first()
            self._specialty[practitioner.pk] = first.name if first else "General Physician"
        return self._specialty[practitioner.pk]

    # Time -------------------------------------------------------------------------------------

    def between(self, start: datetime, end: datetime) -> datetime:
        """A whole minute in [start, end] (start when the range is empty)."""
        minutes = max(int((end - start).total_seconds() // 60), 0)
        return start + timedelta(minutes=self.rng.randint(0, minutes))

    def _fits(self, slot: engine.Slot, *, practitioner, patient, past: bool) -> bool:
        if past and slot.end + timedelta(minutes=15) > self.now:
            return False
        notice = max(self.rules(practitioner).min_notice_minutes, 60)
        if not past and slot.start < self.now + timedelta(minutes=notice):
            return False
        hold = engine.hold_range(slot.start, slot.end, rules_to_engine(self.rules(practitioner)))
        clash = any(s < hold[1] and e > hold[0] for s, e in self.held.get(practitioner.pk, []))
        clash = clash or any(
            s < slot.end and e > slot.start for s, e in self.visits.get(patient.pk, [])
        )
        return not clash

    def find(self, *, practitioner, service, patient, offsets, past: bool, booked_at=None):
        """A free slot on one of the days `offsets` from today, and when it was booked."""
        offsets = list(offsets)
        self.rng.shuffle(offsets)
        for offset in offsets:
            day = self.today + timedelta(days=offset)
            when = booked_at
            if when is None and past:
                when = datetime.combine(day, time.min, UTC) - timedelta(
                    days=self.rng.randint(2, 7), hours=self.rng.randint(0, 12)
                )
            elif when is None:
                when = self.now - timedelta(hours=self.rng.randint(2, 72))
            offered = slots_free(
                practitioner=practitioner,
                service=service,
                start_date=day,
                end_date=day,
                now=when,
            )
            fitting = [
                s
                for s in offered
                if self._fits(s, practitioner=practitioner, patient=patient, past=past)
            ]
            if fitting:
                return self.rng.choice(fitting), when
        return None, None

    # Bookings ---------------------------------------------------------------------------------

    def _remember(self, appointment: Appointment, at: datetime) -> None:
        self.held.setdefault(appointment.practitioner_id, []).append(
            (appointment.hold_start, appointment.hold_end)
        )
        self.visits.setdefault(appointment.patient_id, []).append(
            (appointment.start, appointment.end)
        )
        self.stamps.setdefault(appointment.pk, []).append(at)

    def abroad(self, practitioner: Practitioner) -> bool:
        """Whether the practitioner works only outside the clinic's home time zone."""
        zones = set(practitioner.windows.values_list("location__time_zone", flat=True))
        return HOME_ZONE not in zones

    def _mode(self, practitioner: Practitioner) -> str:
        modes = practitioner.visit_modes
        return modes[-1] if len(modes) > 1 and self.rng.random() < 0.3 else modes[0]

    def book(self, *, patient, practitioner, offsets, past, service=None, mode=None, reason=None):
        choices = self.services(practitioner)
        service = next(s for s in choices if s.name == service) if service else None
        service = service or self.rng.choice(choices)
        slot, booked_at = self.find(
            practitioner=practitioner,
            service=service,
            patient=patient,
            offsets=offsets,
            past=past,
        )
        if slot is None:
            return None, None
        appointment = appointment_book(
            patient=patient,
            practitioner=practitioner,
            service=service,
            location=self.locations[slot.location_id],
            start=slot.start,
            mode=mode or self._mode(practitioner),
            reason=reason or self.rng.choice(REASONS[self.specialty(practitioner)]),
            by=patient,
            now=booked_at,
        )
        self._remember(appointment, booked_at)
        return appointment, booked_at

    def step(self, action, appointment: Appointment, *, at: datetime, **kwargs) -> Appointment:
        appointment = action(appointment=appointment, now=at, **kwargs)
        self.stamps[appointment.pk].append(at)
        return appointment

    def visit(
        self, *, patient, practitioner, outcome, offsets, service=None, mode=None, reason=None
    ):
        """Book a visit and take it to `outcome`; None when no slot fits those days."""
        past = outcome in (S.COMPLETED, S.NO_SHOW) or offsets[-1] < 0
        appointment, booked_at = self.book(
            patient=patient,
            practitioner=practitioner,
            offsets=offsets,
            past=past,
            service=service,
            mode=mode,
            reason=reason,
        )
        if appointment is None:
            return None
        doctor = practitioner.user
        # Whatever happened before the visit happened before it and before now.
        limit = min(appointment.start - timedelta(minutes=30), self.now)
        if outcome in (S.CONFIRMED, S.COMPLETED, S.NO_SHOW) and appointment.status == S.REQUESTED:
            at = self.between(
                booked_at + timedelta(minutes=10), min(booked_at + timedelta(hours=8), limit)
            )
            appointment = self.step(appointment_confirm, appointment, at=at, by=doctor)
        if outcome == S.COMPLETED:
            at = min(
                self.between(appointment.end, appointment.end + timedelta(minutes=40)), self.now
            )
            appointment = self.step(appointment_complete, appointment, at=at, by=doctor)
        elif outcome == S.NO_SHOW:
            start = appointment.start + timedelta(minutes=15)
            at = min(self.between(start, start + timedelta(minutes=30)), self.now)
            appointment = self.step(appointment_mark_no_show, appointment, at=at, by=doctor)
        elif outcome == S.REJECTED:
            at = self.between(
                booked_at + timedelta(minutes=10), min(booked_at + timedelta(hours=6), limit)
            )
            reason = self.rng.choice(REJECT_REASONS)
            appointment = self.step(
                appointment_reject, appointment, at=at, by=doctor, reason=reason
            )
        elif outcome == S.CANCELLED:
            at = self.between(
                booked_at + timedelta(minutes=30), min(booked_at + timedelta(hours=12), limit)
            )
            cutoff = timedelta(hours=self.rules(practitioner).cancellation_cutoff_hours)
            by_patient = at <= appointment.start - cutoff
            appointment = self.step(
                appointment_cancel,
                appointment,
                at=at,
                by=patient if by_patient else doctor,
                reason=self.rng.choice(
                    PATIENT_CANCEL_REASONS if by_patient else PRACTITIONER_CANCEL_REASONS
                ),
            )
        return appointment

    def reschedule(self, *, patient, practitioner, first_offsets, new_offsets):
        """Book a future visit, then move it: the old one cancelled, linked to the new one."""
        old, booked_at = self.book(
            patient=patient, practitioner=practitioner, offsets=first_offsets, past=False
        )
        if old is None:
            return None, None
        at = self.between(booked_at + timedelta(hours=1), self.now - timedelta(minutes=30))
        slot, _ = self.find(
            practitioner=practitioner,
            service=old.service,
            patient=patient,
            offsets=new_offsets,
            past=False,
            booked_at=at,
        )
        if slot is None:
            return old, None
        new = appointment_reschedule(
            appointment=old,
            start=slot.start,
            location=self.locations[slot.location_id],
            by=patient,
            reason="Clashes with a work trip; moving to the following week.",
            now=at,
        )
        self.stamps[old.pk].append(at)
        self._remember(new, at)
        return old, new

    def backdate(self) -> None:
        """Date history rows and created/updated stamps to the moments the steps happened."""
        rows = []
        history = AppointmentHistory.objects.filter(appointment_id__in=self.stamps).order_by(
            "appointment_id", "id"
        )
        by_appointment: dict[int, list[AppointmentHistory]] = {}
        for row in history:
            by_appointment.setdefault(row.appointment_id, []).append(row)
        for pk, items in by_appointment.items():
            for row, at in zip(items, self.stamps[pk], strict=True):
                row.at = at
                rows.append(row)
        AppointmentHistory.objects.bulk_update(rows, ["at"], batch_size=500)
        appointments = list(Appointment.objects.filter(pk__in=self.stamps))
        for appointment in appointments:
            stamps = self.stamps[appointment.pk]
            appointment.created_at, appointment.updated_at = stamps[0], stamps[-1]
        Appointment.objects.bulk_update(appointments, ["created_at", "updated_at"], batch_size=500)


PAST_DAYS = range(-28, 0)
FUTURE_DAYS = range(1, 22)


def seed_appointments(*, ref: dict, summary: Summary, now: datetime | None = None) -> None:
    """Past and future appointments in every status (skipped when the demo already has some)."""
    practitioners = ref["practitioners"]
    if Appointment.objects.filter(practitioner__in=practitioners.values()).exists():
        return
    diary = _Diary(now=now or utcnow(), locations=ref["locations"])
    patients = ref["patients"]
    me = patients[PATIENT_LOGIN[0]]
    uk = patients[UK_PATIENT]
    at_home = [p for email, p in patients.items() if email not in (PATIENT_LOGIN[0], UK_PATIENT)]
    doctor = practitioners[DOCTOR_LOGIN[0]]
    by_email = {email.split("@")[0]: p for email, p in practitioners.items()}

    # The demo patient's own story, one visit of each kind.
    story = [
        (doctor, S.COMPLETED, range(-24, -16), "General consultation", "Fever and sore throat"),
        (by_email["divya.nair"], S.COMPLETED, range(-14, -9), "Initial assessment", None),
        (by_email["sneha.kulkarni"], S.NO_SHOW, range(-8, -2), "Skin consultation", None),
        (by_email["neha.gupta"], S.CANCELLED, range(-18, -10), "Gynaecology consultation", None),
        (by_email["sneha.kulkarni"], S.REJECTED, range(4, 12), "Acne follow-up", None),
        (by_email["rahul.menon"], S.CONFIRMED, range(2, 9), "ECG review", None),
        (by_email["farhan.qureshi"], S.REQUESTED, range(2, 10), "Counselling session", None),
    ]
    for practitioner, outcome, offsets, service, reason in story:
        diary.visit(
            patient=me,
            practitioner=practitioner,
            outcome=outcome,
            offsets=offsets,
            service=service,
            reason=reason,
        )
    diary.reschedule(
        patient=me, practitioner=doctor, first_offsets=range(3, 7), new_offsets=range(8, 15)
    )

    # The demo doctor's day: this morning's visits done, the rest of today waiting.
    for outcome in (S.COMPLETED, S.COMPLETED, S.NO_SHOW, S.CONFIRMED, S.CONFIRMED, S.REQUESTED):
        diary.visit(
            patient=diary.rng.choice(at_home), practitioner=doctor, outcome=outcome, offsets=[0]
        )

    # Everyone's ordinary weeks. Patients in India see the Harrow practitioners by video.
    for practitioner in practitioners.values():
        if not practitioner.is_verified:
            continue
        auto = diary.rules(practitioner).auto_confirm
        past = [S.COMPLETED] * 6 + [S.NO_SHOW, S.CANCELLED] + ([S.REJECTED] if not auto else [])
        future = [S.CONFIRMED] * 3 + [S.CANCELLED] + ([S.REQUESTED] * 3 if not auto else [])
        if not auto:
            future.append(S.REJECTED)
        abroad = diary.abroad(practitioner)
        for offsets, outcomes, count in ((PAST_DAYS, past, (5, 8)), (FUTURE_DAYS, future, (3, 6))):
            for _ in range(diary.rng.randint(*count)):
                patient = diary.rng.choice([uk, uk, *at_home] if abroad else at_home)
                video = abroad and patient != uk
                diary.visit(
                    patient=patient,
                    practitioner=practitioner,
                    outcome=diary.rng.choice(outcomes),
                    offsets=offsets,
                    mode=VisitMode.VIDEO if video else None,
                )
    diary.reschedule(
        patient=at_home[0],
        practitioner=by_email["divya.nair"],
        first_offsets=range(3, 8),
        new_offsets=range(8, 16),
    )
    with transaction.atomic():
        diary.backdate()
    summary.appointments_created = len(diary.stamps)


def seed_demo(*, now: datetime | None = None) -> Summary:
    """Create the demo clinic once; running it again changes nothing."""
    from carebook.notifications.services import notifications_muted

    summary = Summary()
    # The demo's invented history must not mail anyone or fill the queue with stale reminders.
    with notifications_muted():
        with transaction.atomic():
            ref = seed_reference(summary=summary)
        # The booking services open their own durable transactions: call them outside any block.
        seed_appointments(ref=ref, summary=summary, now=now)
    return summary
