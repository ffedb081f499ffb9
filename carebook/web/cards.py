"""The directory's practitioner cards, written in Python.

A page holds twenty cards of some thirty values each; as a template (an include per card and
one for its stars) they were a quarter of the directory's time, written here a tenth of that.
The HTML is the one the template wrote.
"""

from django.urls import reverse
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from carebook.booking.directory import DirectoryEntry
from carebook.core.html import escape_html as _e
from carebook.core.html import stars_html
from carebook.core.money import format_money
from carebook.core.timeutils import zone


def _next_free(entry: DirectoryEntry) -> str:
    if entry.next_slot is None:
        return '<p class="muted small">No free time in the coming weeks</p>'
    loc = entry.next_slot_location
    start = entry.next_slot.start
    # At the place's wall clock; without the place, the site's zone (as templates show times).
    local = (
        start.astimezone(zone(loc.time_zone)).replace(tzinfo=None)
        if loc is not None
        else template_localtime(start)
    )
    at = f" at {_e(loc.name)}" if loc is not None else ""
    # Django's date format "D j M, H:i", without parsing the format for each card.
    day, month = WEEKDAYS_ABBR[local.weekday()], MONTHS_3[local.month].title()
    when = f"{day} {local.day} {month}, {local:%H:%M}"
    return f'<p class="next-slot small">Next free: <strong>{when}</strong>{at}</p>'


def card_html(entry: DirectoryEntry) -> SafeString:
    """One practitioner's card: name, rating, specialties, facts and next free time."""
    p = entry.practitioner
    if p.photo:
        avatar = f'<img class="avatar" src="{_e(p.photo.url)}" alt="">'
    else:
        avatar = f'<span class="avatar" aria-hidden="true">{_e(p.user.full_name[:1])}</span>'
    modes = " · ".join(
        text
        for offered, text in ((p.offers_in_person, "In person"), (p.offers_video, "Video"))
        if offered
    )
    facts = [
        _e(p.qualifications),
        f"{p.years_experience} years",
        _e(format_money(p.consultation_fee, p.fee_currency or "INR")),
    ]
    if entry.languages:
        facts.append("Speaks " + ", ".join(_e(name) for name in entry.languages))
    facts.append(modes)
    if entry.locations:
        facts.append(", ".join(_e(loc.city) for loc in entry.locations))
    url = reverse("practitioner", args=[p.pk])
    tags = "".join(f'<li class="tag">{_e(name)}</li>' for name in entry.specialties)
    facts_html = "".join(f"<li>{fact}</li>" for fact in facts)
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<article class="card doc">{avatar}<div><h2 class="fs-md"><a href="{url}">'
        f"{_e(p.display_name)}</a></h2>{stars_html(p.rating_average, p.rating_count)}"
        f'<ul class="tags" aria-label="Specialties">{tags}</ul><ul class="facts">{facts_html}</ul>'
        f"{_next_free(entry)}</div></article>"
    )
