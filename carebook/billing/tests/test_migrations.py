"""The move of "when patients pay" from BillingSettings to the clinic keeps the choice."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("billing", "0002_credit_note_refund_state")]
AFTER = [("billing", "0004_remove_billingsettings_payment_timing")]
LATEST = [("billing", "0006_report_indexes")]


# Apps whose migrations depend on billing's latest: they step back with billing and come
# forward again at the end (a plan may not go both ways at once).
DEPENDENTS = {"billing", "reports"}


def migrate(billing_target):
    """Move billing to `billing_target`, every other app staying at its latest migration."""
    executor = MigrationExecutor(connection)
    targets = [
        *billing_target,
        *(leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in DEPENDENTS),
    ]
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.parametrize(("timing", "at_booking"), [("at_booking", True), ("at_clinic", False)])
def test_payment_timing_moves_to_the_clinic_and_back(timing, at_booking):
    old = migrate(BEFORE)
    old.get_model("billing", "BillingSettings").objects.create(payment_timing=timing)
    old.get_model("clinic", "Clinic").objects.create(name="Arogya")
    new = migrate(AFTER)
    assert new.get_model("clinic", "Clinic").objects.get().payment_at_booking is at_booking
    back = migrate(BEFORE)
    assert back.get_model("billing", "BillingSettings").objects.get().payment_timing == timing
    migrate(LATEST)


def test_the_clinic_wide_charge_and_rate_move_to_each_rupee_location():
    old = migrate(AFTER)
    old.get_model("billing", "BillingSettings").objects.create(
        service_charge="25.00", gst_rate="12.00"
    )
    old.get_model("clinic", "Clinic").objects.create(name="Arogya", gstin="29AAGCA4821K1ZI")
    Location = old.get_model("clinic", "Location")
    Location.objects.create(name="Indiranagar", address="x", city="Bengaluru")
    new = migrate(LATEST)
    place = new.get_model("clinic", "Location").objects.get()
    assert (place.service_charge, place.service_charge_tax_rate, place.gst_state) == (
        25,
        12,
        "29",
    )
    assert place.currency == "INR" and place.tax_regime == "india_gst"
