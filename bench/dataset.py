"""Bench data, created with bulk_create: deterministic (seeded) and relative to a fixed `NOW`.

Import only after django.setup().
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from carebook.accounts.models import User
from carebook.booking import availability
from carebook.booking.models import Appointment
from carebook.clinic.models import Location, Practitioner, Service
from carebook.core.timeutils import to_utc, zone
from carebook.scheduling import engine, selectors
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff


# Monday 2031-03-03, 08:30 in India. Fixed, so notice and horizon (relative to `now`) and the
# daylight-saving change of the London locations (2031-03-30) fall on the same days every run.
def _next_monday() -> datetime:
    # A Monday 03:00 UTC within the coming week: the same shape of week every run, and close
    # enough to the real clock that a live server (the HTTP bench) sees the data as bookable.
    today = datetime.now(UTC).date()
    return datetime.combine(today + timedelta(days=7 - today.weekday()), time(3), UTC)


NOW = _next_monday()
BATCH = 2000
ACTIVE = (Appointment.Status.REQUESTED, Appointment.Status.CONFIRMED)


def _users(prefix: str, n: int, role: str) -> list[User]:
    return User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{i}@bench.test",
                full_name=f"Bench {prefix.title()} {i}",
                role=role,
                state=User.State.ACTIVE,
                is_active=True,
                password="!",  # unusable: nobody logs in during the bench
            )
            for i in range(n)
        ],
        batch_size=BATCH,
    )


def _practitioners(users: list[User], rng: random.Random) -> list[Practitioner]:
    return Practitioner.objects.bulk_create(
        [
            Practitioner(
                user=u,
                title="Dr.",
                gender=rng.choice(["female", "male"]),
                consultation_fee=Decimal(rng.choice([300, 500, 800, 1200])),
                verified_at=NOW - timedelta(days=400),
                offers_in_person=True,
                offers_video=rng.random() < 0.4,
            )
            for u in users
        ],
        batch_size=BATCH,
    )


def _appointment(
    *, patient, practitioner, location, service, start, end, rules, status, price
) -> Appointment:
    hold_start, hold_end = engine.hold_range(start, end, rules)
    return Appointment(
        patient=patient,
        practitioner=practitioner,
        location=location,
        service=service,
        start=start,
        end=end,
        hold_start=hold_start,
        hold_end=hold_end,
        mode="in_person",
        status=status,
        price=price,
        booked_by=patient,
    )


# --- 1. one busy practitioner -------------------------------------------------------------


@dataclass
class Single:
    practitioner: Practitioner
    service: Service
    location: Location
    start_date: date
    end_date: date
    active: int


def build_single(rng: random.Random, *, appointments: int = 1000, days: int = 28) -> Single:
    """One practitioner working 08:00-13:00 and 14:00-21:00 every day in Bengaluru, booked in
    15-minute visits: 48 grid slots a day, 1,344 over 28 days, `appointments` of them taken at
    random, plus 200 cancelled visits and one afternoon off."""
    location = Location.objects.create(
        name="Bench Central", address="1 Bench Road", city="Bengaluru", time_zone="Asia/Kolkata"
    )
    [doc] = _users("single-doc", 1, User.Role.PRACTITIONER)
    [practitioner] = _practitioners([doc], rng)
    patients = _users("single-patient", 50, User.Role.PATIENT)
    service = Service.objects.create(
        practitioner=practitioner, name="Short consultation", duration_minutes=15, price=500
    )
    rules_row = BookingRules.objects.create(
        practitioner=practitioner, slot_step_minutes=15, min_notice_minutes=60, max_days_ahead=60
    )
    rules = selectors.rules_to_engine(rules_row)
    hours = [(time(8, 0), time(13, 0)), (time(14, 0), time(21, 0))]
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(
            practitioner=practitioner, location=location, weekday=wd, start_time=s, end_time=e
        )
        for wd in range(7)
        for s, e in hours
    )
    tz = zone(location.time_zone)
    start_date = NOW.astimezone(tz).date()
    end_date = start_date + timedelta(days=days - 1)
    grid = []
    for k in range(days):
        day = start_date + timedelta(days=k)
        for s, e in hours:
            wall = datetime.combine(day, s)
            while wall < datetime.combine(day, e):
                grid.append(to_utc(wall, tz))
                wall += timedelta(minutes=15)
    visit = timedelta(minutes=15)

    def make(start, status):
        return _appointment(
            patient=rng.choice(patients),
            practitioner=practitioner,
            location=location,
            service=service,
            start=start,
            end=start + visit,
            rules=rules,
            status=status,
            price=service.price,
        )

    rows = [make(t, rng.choice(ACTIVE)) for t in rng.sample(grid, appointments)]
    rows += [make(t, Appointment.Status.CANCELLED) for t in rng.sample(grid, 200)]
    Appointment.objects.bulk_create(rows, batch_size=BATCH)
    off_day = start_date + timedelta(days=10)
    TimeOff.objects.create(
        practitioner=practitioner,
        start=to_utc(datetime.combine(off_day, time(14, 0)), tz),
        end=to_utc(datetime.combine(off_day, time(21, 0)), tz),
        reason="Conference",
    )
    return Single(practitioner, service, location, start_date, end_date, appointments)


# --- 2. a directory of practitioners --------------------------------------------------------

CITIES = [
    ("Bengaluru", "Asia/Kolkata"),
    ("Mumbai", "Asia/Kolkata"),
    ("Delhi", "Asia/Kolkata"),
    ("Chennai", "Asia/Kolkata"),
    ("Hyderabad", "Asia/Kolkata"),
    ("Pune", "Asia/Kolkata"),
    ("Kolkata", "Asia/Kolkata"),
    ("Jaipur", "Asia/Kolkata"),
    ("Dubai", "Asia/Dubai"),
    ("London", "Europe/London"),
]
D = list(range(5))  # Monday..Friday
# Weekly patterns: (weekdays, [(from, until), ...]); a second location, if any, gets Sunday.
PATTERNS = [
    (D, [(time(9, 0), time(13, 0)), (time(16, 0), time(20, 0))]),
    ([0, 2, 4], [(time(10, 0), time(14, 0))]),
    ([1, 3, 5], [(time(9, 0), time(17, 0))]),
    ([0, 1, 2, 3, 4, 5], [(time(8, 0), time(12, 0))]),
    (D, [(time(17, 0), time(21, 0))]),
]


@dataclass
class Directory:
    practitioner_ids: list[int]
    patients: dict[int, User]  # practitioner id -> the patient who books with them
    active: int
    windows: int


def build_directory(rng: random.Random, *, practitioners: int = 1000) -> Directory:
    """`practitioners` verified practitioners at 20 locations (16 in India, 2 Dubai, 2 London),
    each with a weekly pattern, 1-3 services, own booking rules and 5-35 active appointments
    (most in the coming week; 10% are fully booked for the next 3 days), plus 5 past visits."""
    locations = Location.objects.bulk_create(
        Location(
            name=f"Bench {city} {n}",
            address=f"{n} Main Road",
            city=city,
            time_zone=tz,
        )
        for n in range(2)
        for city, tz in CITIES
    )
    locations += Location.objects.bulk_create(
        Location(name=f"Bench {city} 3", address="3 Main Road", city=city, time_zone=tz)
        for city, tz in CITIES[:8]
    )
    pracs = _practitioners(_users("doc", practitioners, User.Role.PRACTITIONER), rng)
    patients = _users("patient", practitioners, User.Role.PATIENT)

    rules_rows = BookingRules.objects.bulk_create(
        [
            BookingRules(
                practitioner=p,
                slot_step_minutes=rng.choice([10, 15, 15, 20, 30]),
                buffer_after_minutes=rng.choice([0, 0, 0, 5, 10]),
                min_notice_minutes=rng.choice([0, 60, 60, 120, 1440]),
                max_days_ahead=rng.choice([30, 60, 60, 90]),
                auto_confirm=rng.random() < 0.5,
            )
            for p in pracs
        ],
        batch_size=BATCH,
    )
    services = []
    for p in pracs:
        for minutes in sorted(rng.sample([15, 20, 30, 45, 60], rng.randint(1, 3))):
            services.append(
                Service(
                    practitioner=p,
                    name=f"Visit {minutes} min",
                    duration_minutes=minutes,
                    price=None if rng.random() < 0.5 else Decimal(rng.choice([400, 600, 900])),
                )
            )
    services = Service.objects.bulk_create(services, batch_size=BATCH)
    shortest: dict[int, Service] = {}
    for s in services:  # created in ascending duration per practitioner
        shortest.setdefault(s.practitioner_id, s)

    windows: list[AvailabilityWindow] = []
    engine_windows: dict[int, list[engine.Window]] = {}
    for p in pracs:
        weekdays, hours = rng.choice(PATTERNS)
        main = rng.choice(locations)
        plan = [(main, wd, s, e) for wd in weekdays for s, e in hours]
        if rng.random() < 0.1:
            plan.append((rng.choice(locations), 6, time(10, 0), time(14, 0)))
        for loc, wd, s, e in plan:
            windows.append(
                AvailabilityWindow(
                    practitioner=p, location=loc, weekday=wd, start_time=s, end_time=e
                )
            )
        engine_windows[p.pk] = [
            engine.Window(loc.pk, loc.time_zone, wd, s, e) for loc, wd, s, e in plan
        ]
    AvailabilityWindow.objects.bulk_create(windows, batch_size=BATCH)

    loc_by_id = {loc.pk: loc for loc in locations}
    rows: list[Appointment] = []
    active = 0
    today = NOW.astimezone(zone("Asia/Kolkata")).date()
    for p, patient, rules_row in zip(pracs, patients, rules_rows, strict=True):
        rules = selectors.rules_to_engine(rules_row)
        service = shortest[p.pk]
        price = service.price if service.price is not None else p.consultation_fee
        # Grid slots as the engine offers them on an empty calendar: non-overlapping holds.
        offered = engine.free_slots(
            windows=engine_windows[p.pk],
            busy=[],
            duration=timedelta(minutes=service.duration_minutes),
            rules=engine.Rules(
                step_minutes=rules.step_minutes,
                buffer_before_minutes=rules.buffer_before_minutes,
                buffer_after_minutes=rules.buffer_after_minutes,
                min_notice_minutes=0,
                max_days_ahead=rules.max_days_ahead,
            ),
            start_date=today,
            end_date=today + timedelta(days=21),
            now=NOW,
        )
        soon = [s for s in offered if s.start < NOW + timedelta(days=7)]
        later = [s for s in offered if s.start >= NOW + timedelta(days=7)]
        if rng.random() < 0.1:
            chosen = [s for s in offered if s.start < NOW + timedelta(days=3)]
        else:
            chosen = rng.sample(soon, min(len(soon), rng.randint(5, 25)))
        chosen += rng.sample(later, min(len(later), rng.randint(0, 10)))
        for slot in chosen:
            rows.append(
                _appointment(
                    patient=patient,
                    practitioner=p,
                    location=loc_by_id[slot.location_id],
                    service=service,
                    start=slot.start,
                    end=slot.end,
                    rules=rules,
                    status=rng.choice(ACTIVE),
                    price=price,
                )
            )
        active += len(chosen)
        main_loc = loc_by_id[engine_windows[p.pk][0].location_id]
        for k in range(1, 6):  # history: completed visits in the past fortnight
            start = NOW - timedelta(days=2 * k, hours=rng.randint(0, 8))
            end = start + timedelta(minutes=service.duration_minutes)
            rows.append(
                _appointment(
                    patient=patient,
                    practitioner=p,
                    location=main_loc,
                    service=service,
                    start=start,
                    end=end,
                    rules=rules,
                    status=Appointment.Status.COMPLETED,
                    price=price,
                )
            )
    Appointment.objects.bulk_create(rows, batch_size=BATCH)
    return Directory(
        practitioner_ids=[p.pk for p in pracs],
        patients={p.pk: patient for p, patient in zip(pracs, patients, strict=True)},
        active=active,
        windows=len(windows),
    )


# --- 3. booking tasks -----------------------------------------------------------------------


@dataclass(frozen=True)
class BookingTask:
    practitioner: Practitioner
    service: Service
    location: Location
    patient: User
    start: datetime


def booking_tasks(directory: Directory, *, per_practitioner: int = 120) -> list[BookingTask]:
    """Distinct free slots of every directory practitioner (for its shortest service), taken
    round-robin so that consecutive tasks (and so the concurrent workers) hit different
    practitioners. Each practitioner's patient books with them only, so patients never clash."""
    ids = directory.practitioner_ids
    pracs = Practitioner.objects.select_related("user").in_bulk(ids)
    services = availability.default_services(ids)
    for s in services.values():
        s.practitioner = pracs[s.practitioner_id]
    locations = Location.objects.in_bulk()
    windows = selectors.windows_for(ids)
    rules = selectors.rules_for(ids)
    busy = availability.busy_for(ids, NOW - timedelta(days=2), NOW + timedelta(days=40))
    today = NOW.astimezone(zone("Asia/Kolkata")).date()
    per: list[list[BookingTask]] = []
    for pid in ids:
        service = services[pid]
        slots = engine.free_slots(
            windows=windows[pid],
            busy=busy.get(pid, []),
            duration=timedelta(minutes=service.duration_minutes),
            rules=rules[pid],
            start_date=today + timedelta(days=1),
            end_date=today + timedelta(days=28),
            now=NOW,
        )[:per_practitioner]
        patient = directory.patients[pid]
        per.append(
            [
                BookingTask(pracs[pid], service, locations[s.location_id], patient, s.start)
                for s in slots
            ]
        )
    tasks = []
    for k in range(per_practitioner):
        tasks.extend(p[k] for p in per if k < len(p))
    return tasks


def count_active(practitioner_ids: list[int] | None = None) -> int:
    qs = Appointment.objects.filter(status__in=ACTIVE)
    if practitioner_ids is not None:
        qs = qs.filter(practitioner_id__in=practitioner_ids)
    return qs.count()
