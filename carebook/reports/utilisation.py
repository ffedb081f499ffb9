"""Each practitioner's diary over local dates start..end: hours offered, minutes booked.

Offered time is the weekly hours as they stand (with their valid-from and -until dates) less
time off; booked time is the kept visits (confirmed, completed, no-show) starting in the range.
Visits booked outside the hours count too, so a diary can be more than full.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Sum

from carebook.booking.availability import default_durations
from carebook.clinic.models import Practitioner
from carebook.core.db import EpochSeconds, planned_for_values
from carebook.reports.measures import KEPT
from carebook.reports.selectors import ReportFilters, rollup_for, utc_bounds
from carebook.scheduling.engine import offered_seconds
from carebook.scheduling.models import TimeOff
from carebook.scheduling.selectors import windows_for


@dataclass(frozen=True)
class Diary:
    practitioner_id: int
    name: str
    offered_minutes: int
    booked_minutes: int
    visit_minutes: int | None  # the shortest service: what a free slot is measured in

    @property
    def share(self) -> float | None:
        """Booked over offered (may pass 1 when visits are booked outside the hours)."""
        return self.booked_minutes / self.offered_minutes if self.offered_minutes else None

    @property
    def free_minutes(self) -> int:
        return max(0, self.offered_minutes - self.booked_minutes)

    @property
    def free_slots(self) -> int | None:
        """About how many more of the shortest visit the unbooked time could hold."""
        return self.free_minutes // self.visit_minutes if self.visit_minutes else None


@planned_for_values()
def utilisation(*, start: date, end: date, filters: ReportFilters) -> list[Diary]:
    """Per practitioner the filters choose, emptiest diary first."""
    practitioners = Practitioner.objects.select_related("user")
    if filters.practitioner_id:
        practitioners = practitioners.filter(pk=filters.practitioner_id)
    if filters.specialty:
        practitioners = practitioners.filter(specialties__slug=filters.specialty)
    names = {p.pk: p.display_name for p in practitioners}
    windows = windows_for(names, active_locations_only=False)
    if filters.location_id:
        windows = {
            pid: [w for w in ws if w.location_id == filters.location_id]
            for pid, ws in windows.items()
        }
    lo, hi = utc_bounds(start, end)
    time_off = defaultdict(list)
    for pid, s, e in TimeOff.objects.filter(
        practitioner_id__in=list(windows), start__lt=hi, end__gt=lo
    ).values_list("practitioner_id", EpochSeconds("start"), EpochSeconds("end")):
        time_off[pid].append((s, e))
    booked = dict(
        rollup_for(filters, start, end)
        .filter(status__in=KEPT, practitioner_id__in=list(names))
        .values("practitioner_id")
        .annotate(seconds=Sum("seconds"))
        .values_list("practitioner_id", "seconds")
        .order_by()
    )
    minutes = default_durations(names)
    diaries = []
    for pid, name in names.items():
        offered = offered_seconds(
            windows.get(pid, ()), start_date=start, end_date=end, time_off=time_off[pid]
        )
        if offered or booked.get(pid):
            diaries.append(
                Diary(pid, name, offered // 60, (booked.get(pid) or 0) // 60, minutes.get(pid))
            )
    return sorted(diaries, key=lambda d: (d.share if d.share is not None else 9, d.name))
