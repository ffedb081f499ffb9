import pytest

from carebook.core.versions import MalformedIfMatch, etag, version_from_if_match


def test_an_etag_is_the_weak_tag_of_the_version():
    assert etag(3) == 'W/"3"'


@pytest.mark.parametrize(
    "header,version", [(None, None), ("*", None), (" * ", None), ('W/"3"', 3), ('"3"', 3)]
)
def test_if_match_names_a_version_or_any(header, version):
    assert version_from_if_match(header) == version


@pytest.mark.parametrize("header", ["3", 'W/"3', '"3', '3"', 'W/"3", W/"4"', 'W/"x"', "", "W/3"])
def test_anything_else_is_malformed(header):
    with pytest.raises(MalformedIfMatch) as caught:
        version_from_if_match(header)
    assert caught.value.status_code == 400
