from datetime import UTC, datetime, time

import pytest
import time_machine

from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import ContactMessage, Language, Practitioner, Specialty
from carebook.clinic.tests.factories import LocationFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 05:30 in Kolkata


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def practitioner(
    name, *, specialty=None, fee=500, city="Bengaluru", tz="Asia/Kolkata", start=time(9), **kw
):
    p = PractitionerFactory(user__full_name=name, consultation_fee=fee, **kw)
    if specialty:
        p.specialties.add(specialty)
    bookable_calendar(
        practitioner=p, location=LocationFactory(city=city, time_zone=tz), start=start
    )
    return p


def names(response):
    return [e.practitioner.user.full_name for e in response.context["entries"]]


def test_directory_filters_and_sorts(client):
    cardio = Specialty.objects.create(name="Cardiology", slug="cardiology")
    derm = Specialty.objects.create(name="Dermatology", slug="dermatology")
    hindi = Language.objects.create(code="hi", name="Hindi")
    early = practitioner("Early Bird", specialty=cardio, fee=900, start=time(6))
    late = practitioner(
        "Late Riser", specialty=cardio, fee=300, start=time(14), years_experience=20
    )
    other = practitioner("Skin Doc", specialty=derm, fee=600, city="Mumbai", gender="female")
    other.languages.add(hindi)
    practitioner("Not Verified", specialty=cardio, verified_at=None)

    assert names(client.get("/practitioners/")) == ["Early Bird", "Skin Doc", "Late Riser"]
    assert names(client.get("/practitioners/?specialty=cardiology")) == ["Early Bird", "Late Riser"]
    assert names(client.get("/practitioners/?specialty=cardiology&sort=fee")) == [
        "Late Riser",
        "Early Bird",
    ]
    assert names(client.get("/practitioners/?city=Mumbai")) == ["Skin Doc"]
    assert names(client.get("/practitioners/?language=hi&gender=female")) == ["Skin Doc"]
    assert names(client.get("/practitioners/?fee_min=500&fee_max=700")) == ["Skin Doc"]
    assert names(client.get("/practitioners/?min_experience=10")) == ["Late Riser"]
    assert names(client.get("/practitioners/?q=late")) == ["Late Riser"]
    assert early.pk and late.pk


def test_available_on_hides_practitioners_fully_booked_that_day(client):
    cal = bookable_calendar(start=time(9), end=time(10), duration=60, step=60)
    bookable_calendar()
    patient = PatientFactory()
    day = datetime(2026, 3, 4, 3, 30, tzinfo=UTC)  # Wed 09:00 IST
    appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=day,
        mode="in_person",
        by=patient,
    )
    response = client.get("/practitioners/?available_on=2026-03-04")
    assert cal.practitioner not in [e.practitioner for e in response.context["entries"]]
    assert len(response.context["entries"]) == 1


def test_bad_filter_values_are_form_errors_not_500(client):
    response = client.get(
        "/practitioners/?fee_min=abc&fee_max=-1&available_on=nope&page=zz&sort=bogus"
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    # Each error is written under its field and tied to it.
    body = response.content.decode()
    assert '<div class="field has-error"><label for="id_fee_min">' in body
    assert 'aria-describedby="id_fee_min_error"' in body
    assert '<p class="error" id="id_fee_min_error">Enter a number.</p>' in body


def test_directory_queries_are_bounded(client, django_assert_max_num_queries):
    spec = Specialty.objects.create(name="Cardiology", slug="cardiology")
    for i in range(25):
        practitioner(f"Doc {i:02d}", specialty=spec)
    with django_assert_max_num_queries(20):
        response = client.get("/practitioners/")
    assert len(response.context["entries"]) == 20


def test_directory_card_shows_the_practitioner_escaped(client):
    p = practitioner(
        "Asha <b>Rao</b>", fee=750, tz="Europe/Berlin", city="Berlin", qualifications="MD & <i>"
    )
    p.languages.add(Language.objects.get_or_create(code="hi", defaults={"name": "Hindi"})[0])
    body = client.get("/practitioners/").content.decode()
    assert f'<a href="/practitioners/{p.pk}/">' in body
    assert "Asha &lt;b&gt;Rao&lt;/b&gt;" in body and "<b>Rao" not in body
    assert "<li>MD &amp; &lt;i&gt;</li>" in body
    assert "<li>Speaks Hindi</li>" in body and "<li>Berlin</li>" in body
    # Monday 2 March 2026: the first slot at 09:00 on the location's own clock.
    assert "Next free: <strong>Mon 2 Mar, 09:00</strong> at " in body


def test_practitioner_page_shows_local_slots_and_bounded_queries(
    client, django_assert_max_num_queries
):
    p = practitioner("Berlin Doc", tz="Europe/Berlin", city="Berlin", start=time(9))
    with django_assert_max_num_queries(20):
        response = client.get(f"/practitioners/{p.pk}/")
    body = response.content.decode()
    assert response.status_code == 200 and "Europe/Berlin" in body
    assert ">09:00<" in body  # the location's wall clock, not the server's zone


def test_practitioner_page_escapes_the_place_in_every_slot_and_a_huge_id_is_404(client):
    p = PractitionerFactory(user__full_name="Dr Escape")
    bookable_calendar(practitioner=p, location=LocationFactory(name='<b>"Ward" & Co</b>'))
    body = client.get(f"/practitioners/{p.pk}/").content.decode()
    labels = [a for a in body.split('aria-label="')[1:] if "at &lt;b&gt;" in a]
    assert labels and all("&lt;b&gt;&quot;Ward&quot; &amp; Co&lt;/b&gt;" in a for a in labels)
    assert '<b>"Ward"' not in body
    assert client.get(f"/practitioners/{10**20}/").status_code == 404


def test_unverified_practitioner_page_is_404(client):
    p = practitioner("Hidden", verified_at=None)
    assert client.get(f"/practitioners/{p.pk}/").status_code == 404


def test_slot_picker_polls_with_204_until_something_changes(client):
    p = practitioner("Busy Doc")
    first = client.get(f"/practitioners/{p.pk}/slots/")
    version = first.context["picker"].version
    assert client.get(f"/practitioners/{p.pk}/slots/?v={version}").status_code == 204
    patient = PatientFactory()
    service, location = p.services.get(), p.windows.first().location
    appointment_book(
        patient=patient,
        practitioner=p,
        service=service,
        location=location,
        start=datetime(2026, 3, 2, 3, 30, tzinfo=UTC),
        mode="in_person",
        by=patient,
    )
    changed = client.get(f"/practitioners/{p.pk}/slots/?v={version}")
    assert changed.status_code == 200 and changed.context["picker"].version != version


def test_contact_message_is_stored(client):
    response = client.post(
        "/contact/",
        {
            "name": "Ravi",
            "email": "ravi@example.test",
            "subject": "Parking",
            "message": "Is there parking?",
        },
    )
    assert response.status_code == 302
    assert ContactMessage.objects.get().subject == "Parking"
    assert client.post("/contact/", {"name": "", "email": "bad"}).status_code == 400


def test_home_and_about_render(client):
    Specialty.objects.create(name="Paediatrics", slug="paediatrics")
    assert "Paediatrics" in client.get("/").content.decode()
    assert client.get("/about/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_available_on_matching_nobody_is_an_empty_page(client):
    response = client.get("/practitioners/?available_on=2026-03-04&q=nobody-by-this-name")
    assert response.status_code == 200 and response.context["page"].paginator.count == 0


def test_directory_sorts_best_rated_first_and_shows_the_averages(client):
    rated_less = practitioner("Four Half")
    rated_best = practitioner("Five Stars")
    unrated = practitioner("Not Rated")
    Practitioner.objects.filter(pk=rated_less.pk).update(rating_average=4.5, rating_count=2)
    Practitioner.objects.filter(pk=rated_best.pk).update(rating_average=5, rating_count=1)

    response = client.get("/practitioners/?sort=rating")
    assert names(response) == ["Five Stars", "Four Half", "Not Rated"]
    body = response.content.decode()
    assert "★ 4.5 (2)" in body and "★ 5.0 (1)" in body
    page = client.get(f"/practitioners/{rated_less.pk}/").content.decode()
    assert "★ 4.5 (2)" in page
    assert "★" not in client.get(f"/practitioners/{unrated.pk}/").content.decode().split("<main")[1]
