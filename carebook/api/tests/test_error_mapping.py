"""Which failures are the caller's (4xx) and which are ours (500)."""

import pydantic

from carebook.api.errors import exception_to_response


class Out(pydantic.BaseModel):
    label: str


def test_an_answer_that_does_not_fit_its_schema_is_our_bug_not_a_422():
    try:
        Out.model_validate({"label": 5})
    except pydantic.ValidationError as exc:
        assert exception_to_response(exc) is None  # the handler answers 500 and logs it


def test_a_value_the_domain_cannot_read_is_the_callers_to_fix():
    status, body, _headers = exception_to_response(ValueError("naive datetime"))
    assert status == 422 and body["code"] == "invalid_input"
