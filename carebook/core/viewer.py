"""The viewer's own time zone: their profile's, else the one their browser reports (a cookie
set by carebook.js), else none. Pages show a place's times in the place's zone and, when the
viewer's differs, in theirs too, both labelled."""

from urllib.parse import unquote

from django.utils.functional import SimpleLazyObject

from carebook.core.timeutils import is_valid_zone

COOKIE = "carebook_tz"
# Browsers (ICU) still report some zones by their old names: the same clocks, the IANA name
# carebook's locations use. Without this an Indian patient at an Indian clinic would see each
# time twice.
ALIASES = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
}


def viewer_zone_of(request) -> str:
    user = getattr(request, "user", None)
    chosen = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    if chosen and is_valid_zone(chosen):
        return chosen
    browser = unquote(request.COOKIES.get(COOKIE, ""))[:64]
    browser = ALIASES.get(browser, browser)
    return browser if is_valid_zone(browser) else ""


def viewer(request):
    """Context processor: `viewer_zone` for the templates ("" when unknown)."""
    return {"viewer_zone": SimpleLazyObject(lambda: viewer_zone_of(request))}
