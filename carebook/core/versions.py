"""A version as an ETag, and the version an If-Match header asks for: one reading at every door."""

import re

from carebook.core.schemas import ApiError

_ETAG = re.compile(r'(?:W/)?"([0-9]{1,18})"')


class MalformedIfMatch(ApiError):
    """An If-Match header that is neither `*` nor one ETag such as W/"3" (400 at every door)."""

    def __init__(self):
        super().__init__(400, 'If-Match must be * or one ETag such as W/"3".', "malformed_request")


def etag(version: int) -> str:
    return f'W/"{version}"'


def version_from_if_match(header: str | None) -> int | None:
    """The version `header` names; None when it is absent or `*` (any version)."""
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.fullmatch(header.strip())
    if match is None:
        raise MalformedIfMatch()
    return int(match[1])
