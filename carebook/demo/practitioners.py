"""The demo clinic's practitioners: profiles, services, weekly hours and booking rules."""

from dataclasses import dataclass, field

from carebook.clinic.models import Gender, Practitioner
from carebook.demo.logins import DOCTOR_LOGIN

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
        fee=90,  # GBP: she works in Harrow
        video=True,
        bio=(
            "Clinical psychologist; CBT for anxiety and depression. Sees clients in Harrow "
            "and by video."
        ),
        services=(("Psychotherapy session", 50, None), ("First consultation", 60, 110)),
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
        fee=65,  # GBP
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
