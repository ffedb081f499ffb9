"""Reports at clinic-group scale (issue #12 item 6): `make bench`, or alone
`.venv/bin/python bench/reports_bench.py [--rebuild] [--explain]`.

On PostgreSQL with 1,000,000 appointments over 5 years and 200 practitioners at 4 locations in
3 time zones, each report answers in < 300 ms p95: the office reports page's data
(`office.selectors.office_report`, built from `ReportForm.cleaned_data` as the page does) for this
month by day, the last financial year by month and a month of one practitioner; the three REST
report selectors over a financial year by month; anything `carebook.reports.BENCH_SELECTORS`
names; and the page itself over Django's test client as a logged-in staff user.

The data lives in its own database, `carebook_bench_reports`, kept between runs: it is built once
(PostgreSQL-side `INSERT ... SELECT generate_series(...)`, about 1-2 minutes) and reused while
its marker (a comment on the database: data version, seed, size, the date it ends around) and its
row count match; `--rebuild` builds it again, and so does a marker more than 31 days old (the
data should end around today). These are measurements, not tests: a miss prints MISS.
"""

import argparse
import inspect
import json
import os
import sys
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `bench` and `carebook` importable

from bench.run import PG_ADMIN_DSN, PG_HOST, PG_PORT, PG_USER  # noqa: E402

REPORTS_DB = "carebook_bench_reports"
TARGET_P95_MS = 300.0
DATA_VERSION = 3  # bump whenever the data below changes shape: kept databases are rebuilt
SEED = 20310303
APPOINTMENTS = 1_000_000
PRACTITIONERS = 200
PATIENTS = 20_000
WEEKS = 261  # 5 years (1,827 days), the last 4 of them after the build date
WEEKS_AHEAD = 4
MAX_AGE_DAYS = 31
CELLS_PER_DAY = 16  # 30-minute cells, 09:00-17:00 local, six days a week
RUNS = 20
BUDGET_S = 30.0  # per report: fewer runs (at least MIN_RUNS) when 20 would take longer
MIN_RUNS = 5

LOCATIONS = [  # name, city, time zone, practitioners, money and tax (clinic.Location fields)
    (
        "Indiranagar",
        "Bengaluru",
        "Asia/Kolkata",
        70,
        {"gst_state": "29", "gstin": "29AAGCC4236J1ZV", "service_charge": 50},
    ),
    (
        "Bandra",
        "Mumbai",
        "Asia/Kolkata",
        50,
        {"gst_state": "27", "gstin": "27AAGCC4236J1ZZ", "service_charge": 50},
    ),
    (
        "Marylebone",
        "London",
        "Europe/London",
        45,
        {
            "currency": "GBP",
            "tax_regime": "uk_vat",
            "service_charge": Decimal("2.50"),
            "service_charge_tax_rate": 20,
            "service_charge_tax_code": "",
        },
    ),
    ("Midtown", "New York", "America/New_York", 35, {"currency": "USD", "tax_regime": "none"}),
]
FEES = {  # consultation fees by the currency of the practitioner's location
    "INR": [400, 500, 700, 900, 1200],
    "GBP": [60, 80, 120, 150],
    "USD": [90, 120, 180, 250],
}
SPECIALTIES = [
    "General medicine",
    "Paediatrics",
    "Dermatology",
    "Cardiology",
    "Orthopaedics",
    "Gynaecology",
    "Psychiatry",
    "Physiotherapy",
]
STAFF = 6


# --- the database and its marker ---------------------------------------------------------------


def database_url() -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{REPORTS_DB}"


def wanted_marker(appointments: int, seed: int) -> dict:
    return {"version": DATA_VERSION, "seed": seed, "appointments": appointments}


def read_marker() -> dict | None:
    """The kept database's marker, or None when there is no such database or no marker."""
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [REPORTS_DB],
        ).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "")
    except ValueError:
        return {}


def why_rebuild(marker: dict | None, want: dict, today: date) -> str | None:
    """Why the kept data cannot serve (None: it can), from its marker alone."""
    if marker is None:
        return f"no database {REPORTS_DB} yet"
    if not marker:
        return "no marker (an earlier build did not finish)"
    for key, value in want.items():
        if marker.get(key) != value:
            return f"marker {key} is {marker.get(key)!r}, want {value!r}"
    age = (today - date.fromisoformat(marker["anchor"])).days
    if age > MAX_AGE_DAYS:
        return f"the data ends around {marker['anchor']}, {age} days ago"
    return None


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {REPORTS_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {REPORTS_DB}")


def write_marker(marker: dict) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        text = json.dumps(marker, sort_keys=True).replace("'", "''")
        cur.execute(f"COMMENT ON DATABASE {REPORTS_DB} IS '{text}'")


@contextmanager
def using_database(name: str):
    """Point Django's default connection at database `name` for a while (as the test runner
    does for its test database), then back."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, connections

    old = connection.settings_dict["NAME"]
    connections.close_all()
    connection.settings_dict["NAME"] = name
    ContentType.objects.clear_cache()
    try:
        yield
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = old
        ContentType.objects.clear_cache()


# --- the data ----------------------------------------------------------------------------------

SQL_FUNCTIONS = [
    # A uniform draw in [0, 1) from (key, salt): deterministic, the same on every run.
    """CREATE OR REPLACE FUNCTION bench_u(key bigint, salt bigint) RETURNS double precision
       LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT (hashint8extended(key, salt) & 9007199254740991)::float8
                    / 9007199254740992.0 $$""",
    # The Indian financial year of an instant, as billing.money.financial_year: '2025-26'.
    """CREATE OR REPLACE FUNCTION bench_fy(at timestamptz) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT y::text || '-' || lpad(((y + 1) % 100)::text, 2, '0')
             FROM (SELECT (extract(year FROM timezone('Asia/Kolkata', at))
                           - CASE WHEN extract(month FROM timezone('Asia/Kolkata', at)) < 4
                                  THEN 1 ELSE 0 END)::int AS y) f $$""",
]

# Every appointment: its practitioner's k-th of n visits lands in the k-th of n equal stretches
# of that practitioner's 30-minute cells (6 days a week, 09:00-17:00 local), at a random cell of
# it. So no two of one practitioner's visits (with their buffers) overlap, and the spread over the
# five years is even. Status, times and who did what are drawn from (practitioner, k).
APPOINTMENTS_SQL = """
CREATE TEMP TABLE ba AS
WITH g AS (
    SELECT p.*, i, p.idx::bigint * 100000 + i AS key,
           (i::bigint * p.cells / p.n) AS lo, ((i + 1)::bigint * p.cells / p.n) AS hi
    FROM bp p CROSS JOIN LATERAL generate_series(0, p.n - 1) AS i
), cell AS (
    SELECT g.*, (lo + floor(bench_u(key, %(s)s + 1) * (hi - lo)))::int AS pos FROM g
), d AS (
    SELECT cell.*,
           %(monday0)s::date + ((pos / %(cpd)s) / 6) * 7
               + (((pos / %(cpd)s) %% 6) + off) %% 7 AS day,
           bench_u(key, %(s)s + 2) < 0.4 AS long_visit,
           pos::float8 / cells AS frac
    FROM cell
), e AS MATERIALIZED (
    SELECT d.*,
           timezone(tz, day + time '09:00' + (pos %% %(cpd)s) * interval '30 minutes') AS start,
           CASE WHEN long_visit THEN long_service ELSE short_service END AS service_id,
           CASE WHEN long_visit THEN long_minutes ELSE short_minutes END AS minutes,
           CASE WHEN long_visit THEN long_price ELSE short_price END AS price,
           CASE WHEN long_visit THEN long_name ELSE short_name END AS service_name,
           bench_u(key, %(s)s + 3) AS us
    FROM d
), era AS (
    SELECT e.*,
           CASE WHEN start < %(now)s - interval '2 days' THEN 'past'
                WHEN start < %(now)s - interval '1 hour' THEN 'recent'
                ELSE 'future' END AS era
    FROM e
), drawn AS (
    SELECT era.*,
           CASE era
               WHEN 'past' THEN CASE WHEN us < .80 THEN 'completed' WHEN us < .89 THEN 'cancelled'
                                     WHEN us < .93 THEN 'no_show' WHEN us < .965 THEN 'rejected'
                                     ELSE 'expired' END
               WHEN 'recent' THEN CASE WHEN us < .60 THEN 'completed'
                                       WHEN us < .85 THEN 'confirmed'
                                       WHEN us < .94 THEN 'cancelled' ELSE 'no_show' END
               ELSE CASE WHEN us < .62 THEN 'confirmed' WHEN us < .87 THEN 'requested'
                         WHEN us < .97 THEN 'cancelled' ELSE 'rejected' END
           END AS drawn
    FROM era
), st AS MATERIALIZED (
    -- Auto-confirming practitioners never see a request: what would have been one is a visit.
    SELECT drawn.*,
           CASE WHEN auto_confirm AND drawn IN ('requested', 'rejected', 'expired')
                THEN CASE WHEN era = 'past' THEN 'completed' ELSE 'confirmed' END
                ELSE drawn END AS status,
           start + minutes * interval '1 minute' AS "end",
           -- booked between 1 hour and 30 days ahead, mostly a few days; never after now
           LEAST(start - interval '1 minute' * (60 + floor(power(bench_u(key, %(s)s + 4), 2)
                                                           * 43200)),
                 %(now)s - interval '1 minute' * (5 + floor(bench_u(key, %(s)s + 5) * 4320)))
               AS created_at
    FROM drawn
), t AS (
    SELECT st.*,
           status = 'cancelled' AND bench_u(key, %(s)s + 6) < 0.05 AS held_path,
           LEAST(start, %(now)s) - created_at AS span,
           bench_u(key, %(s)s + 10) AS uby,
           staff[1 + floor(bench_u(key, %(s)s + 11) * cardinality(staff))::int] AS a_staff,
           bench_u(key, %(s)s + 12) < 0.12 AS by_phone
    FROM st
), flags AS (
    SELECT t.*,
           CASE WHEN held_path THEN 'held' WHEN auto_confirm THEN 'confirmed'
                ELSE 'requested' END AS init_status,
           NOT held_path AND NOT auto_confirm
               AND (status IN ('confirmed', 'completed', 'no_show')
                    OR (status = 'cancelled' AND bench_u(key, %(s)s + 7) < 0.6)) AS was_confirmed,
           created_at + span * (0.05 + 0.4 * bench_u(key, %(s)s + 8)) AS decided_at,
           created_at + span * (0.1 + 0.9 * bench_u(key, %(s)s + 9)) AS cancel_try
    FROM t
), pat AS MATERIALIZED (
    SELECT flags.*,
           -- Patient n joined in the (n / practitioners)-th hundredth of the five years and
           -- sees practitioner n %% practitioners (80%% of visits; anyone joined by then the rest,
           -- never for an active visit, so a patient's active visits never clash): a steady
           -- stream of new patients, and regulars.
           CASE WHEN status IN ('requested', 'confirmed') OR bench_u(key, %(s)s + 13) >= 0.2
                THEN LEAST(%(panel)s - 1, floor(bench_u(key, %(s)s + 14)
                                                * (1 + floor(frac * %(panel)s))))::int
                     * %(practitioners)s + idx
                ELSE floor(bench_u(key, %(s)s + 15)
                           * LEAST(%(patients)s, 1 + floor(frac * %(patients)s)))::int
           END AS patient_n,
           CASE WHEN held_path THEN created_at + LEAST(interval '10 minutes', span / 2)
                WHEN was_confirmed THEN GREATEST(cancel_try, decided_at + interval '1 minute')
                ELSE cancel_try END AS cancel_at
    FROM flags
)
SELECT pat.idx, pat.key, pat.practitioner_id, pat.practitioner_user, pat.location_id, pat.tz,
       pat.service_id, pat.service_name, pat.practitioner_name, pat.price, pat.start, pat."end",
       pat."end" + LEAST(pat.buffer_after, 30 - pat.minutes) * interval '1 minute' AS hold_end,
       CASE WHEN pat.offers_video AND bench_u(pat.key, %(s)s + 16) < 0.15 THEN 'video'
            ELSE 'in_person' END AS mode,
       pat.status, pat.era, pat.created_at, pat.held_path, pat.init_status, pat.cancel_at,
       u.user_id AS patient_id,
       CASE WHEN pat.by_phone AND NOT pat.held_path THEN pat.a_staff ELSE u.user_id END
           AS booked_by,
       CASE WHEN pat.was_confirmed THEN pat.decided_at END AS confirm_at,
       CASE WHEN pat.was_confirmed
            THEN CASE WHEN pat.uby < 0.7 THEN pat.practitioner_user ELSE pat.a_staff END
       END AS confirm_by,
       CASE pat.status
           WHEN 'completed' THEN 'complete' WHEN 'no_show' THEN 'no_show'
           WHEN 'rejected' THEN 'reject' WHEN 'expired' THEN 'expired'
           WHEN 'cancelled' THEN CASE WHEN pat.held_path THEN 'hold_expired' ELSE 'cancel' END
       END AS final_action,
       CASE pat.status
           WHEN 'completed' THEN pat."end" + interval '10 minutes'
           WHEN 'no_show' THEN pat."end" + interval '30 minutes'
           WHEN 'rejected' THEN pat.decided_at
           WHEN 'expired' THEN pat.start - interval '2 hours'
           WHEN 'cancelled' THEN pat.cancel_at
       END AS final_at,
       CASE
           WHEN pat.status IN ('completed', 'no_show')
               THEN CASE WHEN pat.uby < 0.85 THEN pat.practitioner_user ELSE pat.a_staff END
           WHEN pat.status = 'rejected'
               THEN CASE WHEN pat.uby < 0.75 THEN pat.practitioner_user ELSE pat.a_staff END
           WHEN pat.status = 'cancelled' AND NOT pat.held_path
               -- online, patients may cancel until 24 hours before; later they phone the clinic
               THEN CASE WHEN pat.uby < 0.6 AND pat.cancel_at <= pat.start - interval '24 hours'
                              THEN u.user_id
                         WHEN pat.uby < 0.8 THEN pat.practitioner_user ELSE pat.a_staff END
       END AS final_by,
       CASE WHEN pat.status = 'cancelled' AND NOT pat.held_path
            THEN CASE WHEN pat.was_confirmed THEN 'confirmed' ELSE pat.init_status END
            WHEN pat.status = 'cancelled' THEN 'held'
            WHEN pat.status IN ('rejected', 'expired') THEN 'requested'
            ELSE 'confirmed' END AS final_from,
       CASE pat.status
           WHEN 'rejected' THEN (ARRAY['Not available that day.', 'Please book a specialist.',
                                       'Outside my practice.'])[1 + (pat.key %% 3)::int]
           WHEN 'expired' THEN 'Nobody confirmed or rejected the request in time.'
           WHEN 'cancelled' THEN CASE
               WHEN pat.held_path THEN 'The hold ran out before the booking was completed.'
               ELSE (ARRAY['', '', 'Feeling better.', 'Travelling.', 'Clash at work.'])
                    [1 + (pat.key %% 5)::int] END
           ELSE '' END AS final_reason,
       bench_u(pat.key, %(s)s + 17) AS ubill,
       bench_u(pat.key, %(s)s + 18) AS upay
FROM pat JOIN bpat u ON u.n = pat.patient_n
"""

# Each insert: the table, what goes in each column (SQL over the source), the source. A column
# the table no longer has is left out; a required column not named here gets its model field's
# default (see `insert_select`), so the bench survives fields added with a default.
APPOINTMENT_COLUMNS = {
    "start": "start",
    "end": '"end"',
    "hold_start": "start",
    "hold_end": "hold_end",
    "mode": "mode",
    "reason": "''",
    "status": "status",
    "held_until": "NULL",
    "price": "price",
    "created_at": "created_at",
    "updated_at": "COALESCE(final_at, confirm_at, created_at)",
    "booked_by_id": "booked_by",
    "location_id": "location_id",
    "patient_id": "patient_id",
    "practitioner_id": "practitioner_id",
    "rescheduled_from_id": "NULL",
    "service_id": "service_id",
    "payment_due": "false",
}
APPOINTMENT_SOURCE = "ba ORDER BY created_at, key"

# The appointment ids, and how each visit was paid: 30% online when booking (an invoice at
# once; a refund by credit note if it is then cancelled early enough, rejected or expired), the
# rest at the counter after a completed visit (85% of those are invoiced, 97% of those paid).
BILLED_SQL = """
CREATE TEMP TABLE bx AS
SELECT ba.*, a.id AS appt_id,
       NOT ba.held_path AND ba.ubill < 0.3 AS online,
       CASE WHEN NOT ba.held_path AND ba.ubill < 0.3 THEN ba.created_at + interval '2 minutes'
            WHEN ba.status = 'completed' AND ba.ubill < 0.3 + 0.7 * 0.85
                THEN ba."end" + interval '5 minutes'
       END AS invoiced_at
FROM ba JOIN (SELECT id, practitioner_id, start FROM booking_appointment) a
     ON a.practitioner_id = ba.practitioner_id AND a.start = ba.start
"""

HISTORY_COLUMNS = {
    "appointment_id": "appt_id",
    "at": "h.at",
    "by_id": "h.by_id",
    "action": "h.action",
    "from_status": "h.from_status",
    "to_status": "h.to_status",
    "reason": "h.reason",
}
HISTORY_SOURCE = """
bx CROSS JOIN LATERAL (VALUES
    (created_at, booked_by, CASE WHEN held_path THEN 'held' ELSE 'booked' END, '', init_status,
     ''),
    (confirm_at, confirm_by, 'confirm', 'requested', 'confirmed', ''),
    (final_at, final_by, final_action, final_from, status, final_reason)
) AS h (at, by_id, action, from_status, to_status, reason)
WHERE h.at IS NOT NULL AND h.action IS NOT NULL
ORDER BY h.at, appt_id
"""

BILLS_SQL = """
CREATE TEMP TABLE bb AS
SELECT bx.appt_id, bx.key, bx.patient_id, bx.practitioner_id, bx.practitioner_name,
       bx.service_id, bx.service_name, bx.start, bx."end", bx.tz, bx.status, bx.online,
       bx.invoiced_at, bx.cancel_at, bx.final_at, bx.created_at, bx.upay, q.currency,
       q.regime, q.supplier_state, q.place_of_supply, q.address, q.gstin, q.fee, q.charge,
       q.taxable, q.untaxed, q.cgst, q.sgst, q.igst, q.vat, q.round_off, q.total,
       bench_fy(bx.invoiced_at) AS fy,
       -- paid: online always, at the counter 97%%
       bx.online OR bx.upay < 0.97 AS paid,
       CASE WHEN bx.online AND (bx.status IN ('rejected', 'expired')
                                OR (bx.status = 'cancelled'
                                    AND bx.cancel_at <= bx.start - interval '24 hours'))
                THEN 'full'
            WHEN bx.status = 'completed' AND (bx.online OR bx.upay < 0.97)
                 AND bench_u(bx.key, %(s)s + 19) < 0.005 THEN 'goodwill'
       END AS refund
FROM bx JOIN bq q ON q.service_id = bx.service_id
WHERE bx.invoiced_at IS NOT NULL AND q.total > 0
"""

# The amounts of each service's invoice come from the project's own pricing (see _quotes).
INVOICE_COLUMNS = {
    "number": "'CB/' || fy || '/' || lpad(seq::text, 6, '0')",
    "financial_year": "fy",
    "sequence_number": "seq",
    "patient_name": "u.full_name",
    "patient_email": "u.email",
    "practitioner_name": "practitioner_name",
    "description": "service_name || ' with ' || practitioner_name",
    "visit_at": "start",
    "visit_time_zone": "tz",
    "clinic_name": "%(clinic)s",
    "clinic_address": "address",
    "clinic_gstin": "gstin",
    "currency": "currency",
    "tax_regime": "regime",
    "supplier_state": "supplier_state",
    "place_of_supply": "place_of_supply",
    "consultation_fee": "fee",
    "service_charge": "charge",
    "taxable_amount": "taxable",
    "untaxed_amount": "untaxed",
    "cgst_amount": "cgst",
    "sgst_amount": "sgst",
    "igst_amount": "igst",
    "vat_amount": "vat",
    "round_off": "round_off",
    "total": "total",
    "status": """CASE WHEN refund = 'full' THEN 'refunded'
                      WHEN refund = 'goodwill' THEN 'partially_refunded'
                      WHEN paid THEN 'paid' ELSE 'issued' END""",
    "issued_at": "invoiced_at",
    "appointment_id": "appt_id",
    "issued_by_id": """CASE WHEN online THEN NULL
                            ELSE (%(staff)s::bigint[])[1 + (key %% %(nstaff)s)::int] END""",
    "patient_id": "patient_id",
    "practitioner_id": "practitioner_id",
}
INVOICE_SOURCE = """
(SELECT bb.*, row_number() OVER (PARTITION BY fy ORDER BY invoiced_at, appt_id) AS seq
 FROM bb) n
JOIN accounts_user u ON u.id = n.patient_id
ORDER BY invoiced_at, appt_id
"""

INVOICE_LINE_COLUMNS = {
    "invoice_id": "i.id",
    "position": "l.position",
    "kind": "l.kind",
    "description": "CASE WHEN l.kind = 'service' THEN i.description ELSE l.description END",
    "tax_code": "l.code",
    "tax_category": "l.category",
    "tax_rate": "l.rate",
    "place_of_supply": "l.place",
    "value": "l.value",
    "cgst_amount": "l.cgst",
    "sgst_amount": "l.sgst",
    "igst_amount": "l.igst",
    "vat_amount": "l.vat",
}
INVOICE_LINE_SOURCE = """
bb JOIN billing_invoice i ON i.appointment_id = bb.appt_id
JOIN bql l ON l.service_id = bb.service_id
ORDER BY i.id, l.position
"""

PAYMENT_COLUMNS = {
    "method": "method",
    "amount": "amount",
    "provider": "provider",
    "provider_transaction_id": "txn",
    "payer_hint": "hint",
    "status": "status",
    "message": "message",
    "created_at": "created",
    "completed_at": "completed",
    "appointment_id": "appt_id",
    "invoice_id": "invoice_id",
    "recorded_by_id": "recorded_by",
    "reversal_reference": "''",
}
PAYMENT_SOURCE = """(
    -- a declined attempt before 5%% of the online payments
    SELECT 'card' AS method, i.total AS amount, 'simulated' AS provider, '' AS txn,
           '•••• 0002' AS hint, 'failed' AS status, 'The card was declined.' AS message,
           bb.invoiced_at - interval '4 minutes' AS created,
           bb.invoiced_at - interval '3 minutes' AS completed, bb.appt_id, NULL::bigint
           AS invoice_id, bb.patient_id AS recorded_by
    FROM bb JOIN billing_invoice i ON i.appointment_id = bb.appt_id
    WHERE bb.online AND bb.upay < 0.05
  UNION ALL
    SELECT CASE WHEN bb.online THEN (ARRAY['card', 'upi'])[1 + (bb.key %% 2)::int]
                ELSE (ARRAY['cash', 'cash', 'card', 'upi', 'counter'])[1 + (bb.key %% 5)::int]
           END,
           i.total, CASE WHEN bb.online THEN 'simulated' ELSE 'counter' END,
           CASE WHEN bb.online THEN 'sim_txn_' || left(md5(bb.key::text), 24) ELSE '' END,
           CASE WHEN NOT bb.online THEN ''
                WHEN bb.key %% 2 = 0 THEN '•••• 1111' ELSE 'pa••••@okbank' END,
           'succeeded', '',
           bb.invoiced_at - interval '1 minute',
           CASE WHEN bb.online THEN bb.invoiced_at ELSE bb.invoiced_at + interval '3 minutes'
           END,
           bb.appt_id, i.id,
           CASE WHEN bb.online THEN bb.patient_id
                ELSE (%(staff)s::bigint[])[1 + (bb.key %% %(nstaff)s)::int] END
    FROM bb JOIN billing_invoice i ON i.appointment_id = bb.appt_id
    WHERE bb.paid
) p
ORDER BY created, appt_id
"""

CREDIT_NOTE_COLUMNS = {
    "number": "'CB-CN/' || fy || '/' || lpad(seq::text, 6, '0')",
    "financial_year": "fy",
    "sequence_number": "seq",
    "amount": "amount",
    # each tax head taken back in proportion, as billing.ledger.credited_tax
    **{
        f"{head}_amount": f"round(i_{head} * amount / i_total, 2)"
        for head in ("cgst", "sgst", "igst", "vat")
    },
    "reason": "reason",
    "refund_reference": """CASE WHEN payment_id IS NULL THEN ''
                                ELSE 'sim_rfnd_' || left(md5(number), 24) END""",
    "issued_at": "at",
    "issued_by_id": "issued_by",
    "invoice_id": "invoice_id",
    "payment_id": "payment_id",
    "refund_status": "CASE WHEN payment_id IS NULL THEN 'at_counter' ELSE 'refunded' END",
    "refunded_at": "CASE WHEN payment_id IS NULL THEN NULL ELSE at + interval '2 minutes' END",
    "settles_id": "settles",
}
CREDIT_NOTE_SOURCE = """(
    SELECT c.*, bench_fy(c.at) AS fy,
           row_number() OVER (PARTITION BY bench_fy(c.at) ORDER BY c.at, c.invoice_id) AS seq
    FROM (
        SELECT i.id AS invoice_id, i.number, i.total AS i_total, i.cgst_amount AS i_cgst,
               i.sgst_amount AS i_sgst, i.igst_amount AS i_igst, i.vat_amount AS i_vat,
               CASE WHEN bb.refund = 'full' THEN i.total ELSE round(i.total / 2, 2) END
                   AS amount,
               CASE WHEN bb.refund = 'goodwill' THEN 'Goodwill: long wait.'
                    WHEN bb.status = 'cancelled'
                        THEN 'Cancelled at least 24 hours before the visit: full refund.'
                    ELSE 'The visit did not take place: full refund.' END AS reason,
               CASE WHEN bb.refund = 'full' THEN bb.final_at + interval '1 minute'
                    ELSE LEAST(bb."end" + interval '2 days', %(now)s - interval '1 minute')
               END AS at,
               CASE WHEN bb.refund = 'goodwill'
                    THEN (%(staff)s::bigint[])[1 + (bb.key %% %(nstaff)s)::int] END AS issued_by,
               p.id AS payment_id,
               CASE WHEN bb.refund = 'full' THEN bb.appt_id END AS settles
        FROM bb JOIN billing_invoice i ON i.appointment_id = bb.appt_id
        LEFT JOIN billing_payment p ON p.invoice_id = i.id AND p.status = 'succeeded'
                                    AND p.provider <> 'counter'
        WHERE bb.refund IS NOT NULL
    ) c
) n
ORDER BY at, invoice_id
"""

PATIENT_COLUMNS = {
    "password": "'!'",
    "is_superuser": "false",
    "email": "'patient' || n || '@reports.bench.test'",
    "full_name": "'Patient ' || n",
    "phone": "''",
    "role": "'patient'",
    "state": "'active'",
    "is_active": "true",
    "date_joined": "j",
    "session_epoch": "0",
    "email_verified_at": "j",
}

SEQUENCE_COLUMNS = {"series": "series", "financial_year": "fy", "last_number": "last"}
SEQUENCE_SOURCE = """(
    SELECT 'CB' AS series, financial_year AS fy, max(sequence_number) AS last
    FROM billing_invoice GROUP BY financial_year
  UNION ALL
    SELECT 'CB-CN', financial_year, max(sequence_number) FROM billing_creditnote
    GROUP BY financial_year
) s
"""


def insert_select(model, columns: dict[str, str], source: str) -> tuple[str, dict]:
    """INSERT INTO model's table the columns it has of `columns`, SELECTed FROM `source`; a
    required column missing from `columns` gets the model field's default (as a parameter)."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cur:
        present = {c.name for c in connection.introspection.get_table_description(cur, table)}
    chosen = {c: e for c, e in columns.items() if c in present}
    gone = sorted(set(columns) - present)
    if gone:
        print(f"  ({table} has no {', '.join(gone)} any more: left out)")
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.column in chosen or field.primary_key or field.null or field.column not in present:
            continue
        if not field.has_default() and not field.empty_strings_allowed:
            raise SystemExit(
                f"{table}.{field.column} is required and has no default: "
                "teach bench/reports_bench.py what to put there"
            )
        defaults[f"default_{field.column}"] = field.get_db_prep_save(
            field.get_default(), connection
        )
        chosen[field.column] = f"%(default_{field.column})s"
    names = ", ".join(connection.ops.quote_name(c) for c in chosen)
    return (
        f"INSERT INTO {table} ({names}) SELECT {', '.join(chosen.values())} FROM {source}",
        defaults,
    )


def _step(label: str, sql: str, params: dict | None = None) -> None:
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.rowcount
    extra = f"{rows:>10,} rows" if rows and rows > 0 else " " * 15
    print(f"  {label:<44}{extra} in {time.perf_counter() - t:5.1f} s", flush=True)


def _people(now: datetime, seed: int) -> tuple[list, list, list[int]]:
    """Locations, practitioners (with services, specialties, rules and weekly windows) and staff,
    with the ORM: a few hundred rows."""
    import random
    from datetime import time as clock

    from django.utils.text import slugify

    from carebook.accounts.models import User
    from carebook.billing.models import BillingSettings
    from carebook.clinic.models import Clinic, Location, Practitioner, Service, Specialty
    from carebook.scheduling.models import AvailabilityWindow, BookingRules

    rng = random.Random(seed)
    clinic = Clinic.current()
    clinic.name, clinic.gstin = "carebook clinic group", "29AAGCC4236J1ZV"
    clinic.address = "12 Residency Road, Bengaluru"
    clinic.save()
    BillingSettings.objects.create()
    locations = Location.objects.bulk_create(
        Location(
            name=f"carebook {name}", address=f"1 {name} Road", city=city, time_zone=tz, **money
        )
        for name, city, tz, _n, money in LOCATIONS
    )
    specialties = Specialty.objects.bulk_create(
        Specialty(name=name, slug=slugify(name)) for name in SPECIALTIES
    )
    joined = now - timedelta(days=7 * WEEKS + 90)
    staff = User.objects.bulk_create(
        User(
            email=f"staff{i}@reports.bench.test",
            full_name=f"Front Desk {i}",
            role=User.Role.STAFF,
            password="!",
            date_joined=joined,
        )
        for i in range(STAFF)
    )
    doc_users = User.objects.bulk_create(
        User(
            email=f"doc{i}@reports.bench.test",
            full_name=f"Practitioner {i:03d}",
            role=User.Role.PRACTITIONER,
            password="!",
            date_joined=joined,
        )
        for i in range(PRACTITIONERS)
    )
    homes = [loc for loc, (*_x, n, _m) in zip(locations, LOCATIONS, strict=True) for _ in range(n)]
    assert len(homes) == PRACTITIONERS
    practitioners = Practitioner.objects.bulk_create(
        Practitioner(
            user=u,
            title="Dr.",
            gender=rng.choice(["female", "male"]),
            consultation_fee=Decimal(rng.choice(FEES[home.currency])),
            verified_at=joined,
            offers_video=rng.random() < 0.4,
            years_experience=rng.randint(2, 30),
        )
        for u, home in zip(doc_users, homes, strict=True)
    )
    through = Practitioner.specialties.through
    through.objects.bulk_create(
        through(practitioner_id=p.pk, specialty_id=s.pk)
        for p in practitioners
        for s in rng.sample(specialties, rng.choice([1, 1, 2]))
    )
    services = []
    for p, home in zip(practitioners, homes, strict=True):
        short = rng.choice([15, 20])
        services.append(Service(practitioner=p, name="Follow-up", duration_minutes=short))
        price = rng.choice([None, None, Decimal(rng.choice(FEES[home.currency][1:])) * 2])
        services.append(
            Service(practitioner=p, name="Consultation", duration_minutes=30, price=price)
        )
    services = Service.objects.bulk_create(services)
    auto = [rng.random() < 0.5 for _ in practitioners]
    buffers = [rng.choice([0, 0, 5, 10]) for _ in practitioners]
    offs = [0 if rng.random() < 0.7 else rng.randint(1, 6) for _ in practitioners]
    BookingRules.objects.bulk_create(
        BookingRules(practitioner=p, auto_confirm=a, buffer_after_minutes=b, slot_step_minutes=30)
        for p, a, b in zip(practitioners, auto, buffers, strict=True)
    )
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(
            practitioner=p,
            location=home,
            weekday=(j + off) % 7,
            start_time=clock(9),
            end_time=clock(17),
        )
        for p, home, off in zip(practitioners, homes, offs, strict=True)
        for j in range(6)
    )
    rows = []
    for idx, p in enumerate(practitioners):
        short, long = services[2 * idx], services[2 * idx + 1]
        fee = p.consultation_fee
        rows.append(
            dict(
                idx=idx,
                practitioner_id=p.pk,
                practitioner_user=p.user_id,
                practitioner_name=f"Dr. {p.user.full_name}",
                location_id=homes[idx].pk,
                tz=homes[idx].time_zone,
                off=offs[idx],
                auto_confirm=auto[idx],
                buffer_after=buffers[idx],
                offers_video=p.offers_video,
                short_service=short.pk,
                short_minutes=short.duration_minutes,
                short_price=short.price if short.price is not None else fee,
                long_service=long.pk,
                long_minutes=long.duration_minutes,
                long_price=long.price if long.price is not None else fee,
                short_name=short.name,
                long_name=long.name,
            )
        )
    return rows, locations, [u.pk for u in staff], _quotes(services, homes, clinic)


def _quotes(services, homes, clinic) -> tuple[list[dict], list[dict]]:
    """What an invoice of each service says, by the project's own pricing
    (billing.selectors.price_quote, as billing.services issues it): the invoice's amounts, and
    its lines."""
    from carebook.billing.selectors import price_quote

    zero = Decimal("0")
    invoices, lines = [], []
    for k, service in enumerate(services):
        home = homes[k // 2]
        priced = price_quote(fee=service.effective_price, service=service, location=home)
        by_kind = {line.charge.kind: line for line in priced.lines}
        charge = by_kind.get("service_charge")
        invoices.append(
            {
                "service_id": service.pk,
                "currency": priced.currency,
                "regime": priced.regime,
                "supplier_state": home.gst_state,
                "place_of_supply": (charge or by_kind["service"]).place_of_supply,
                "address": home.address or clinic.address,
                "gstin": (home.gstin or clinic.gstin) if priced.regime == "india_gst" else "",
                "fee": by_kind["service"].value,
                "charge": charge.value if charge else zero,
                "taxable": priced.taxable_value,
                "untaxed": priced.untaxed_value,
                **{h.lower(): priced.heads.get(h, zero) for h in ("CGST", "SGST", "IGST", "VAT")},
                "round_off": priced.round_off,
                "total": priced.total,
            }
        )
        for position, line in enumerate(priced.lines, start=1):
            lines.append(
                {
                    "service_id": service.pk,
                    "position": position,
                    "kind": line.charge.kind,
                    "description": str(line.charge.description),
                    "code": line.charge.code,
                    "category": line.charge.category,
                    "rate": line.charge.rate if line.taxable else zero,
                    "place": line.place_of_supply,
                    "value": line.value,
                    **{h.lower(): line.heads.get(h, zero) for h in ("CGST", "SGST", "IGST", "VAT")},
                }
            )
    return invoices, lines


LOADED_TABLES = [
    "booking_appointment",
    "booking_appointmenthistory",
    "billing_invoice",
    "billing_invoiceline",
    "billing_payment",
    "billing_creditnote",
]


@contextmanager
def bulk_load(tables: list[str]):
    """Drop the plain indexes and the foreign keys of `tables` while they are loaded, then put
    them back exactly as they were (their definitions as PostgreSQL prints them): each index is
    then built in one sort and each foreign key checked in one join (ADD CONSTRAINT validates
    every row), instead of row by row. Primary keys, unique, check and exclusion constraints
    stay on throughout."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i
               WHERE i.indrelid::regclass::text = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
               ORDER BY 1""",
            [tables],
        )
        indexes = cur.fetchall()
        cur.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
               FROM pg_constraint
               WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2""",
            [tables],
        )
        foreign_keys = cur.fetchall()
        for name, _sql in indexes:
            cur.execute(f"DROP INDEX {name}")
        for table, name, _sql in foreign_keys:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    t = time.perf_counter()
    with connection.cursor() as cur:
        for _name, sql in indexes:
            cur.execute(sql)
    print(f"  {f'{len(indexes)} indexes built again':<59} in {time.perf_counter() - t:5.1f} s")
    t = time.perf_counter()
    with connection.cursor() as cur:
        for table, name, sql in foreign_keys:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {sql}')
    label = f"{len(foreign_keys)} foreign keys added back and checked"
    print(f"  {label:<59} in {time.perf_counter() - t:5.1f} s")


def _insert(label: str, model, columns: dict, source: str, params: dict | None = None):
    sql, defaults = insert_select(model, columns, source)
    _step(label, sql, (params or {}) | defaults)


def _rollup() -> None:
    """The reports' rollups, rebuilt as after any bulk load (the services keep them after)."""
    from carebook.reports.rebuild import rollups_rebuild

    t0 = time.perf_counter()
    visits, money = rollups_rebuild()
    took = time.perf_counter() - t0
    print(
        f"  {'rollups (visit days, money days)':<40} {visits:>6,} + {money:,} rows in {took:5.1f} s"
    )


def build(*, appointments: int, seed: int, now: datetime) -> dict:
    """Fill the (empty, migrated) database; the marker to write once done."""
    from django.db import connection

    from carebook.accounts.models import User
    from carebook.billing.models import (
        CreditNote,
        DocumentSequence,
        Invoice,
        InvoiceLine,
        Payment,
    )
    from carebook.booking.models import Appointment, AppointmentHistory
    from carebook.office.selectors import clinic_today

    base = appointments // PRACTITIONERS
    if base * PRACTITIONERS != appointments or base % 5:
        raise SystemExit("--appointments must be a multiple of 1,000")
    anchor = clinic_today(now)
    monday0 = anchor - timedelta(days=anchor.weekday()) + timedelta(weeks=WEEKS_AHEAD - WEEKS)
    cells = WEEKS * 6 * CELLS_PER_DAY
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET temp_buffers = '2GB'")  # the working tables stay in memory
        cur.execute("SET work_mem = '256MB'")
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET jit = off")  # compiling the big expressions costs more than it saves
        for sql in SQL_FUNCTIONS:
            cur.execute(sql)
    rows, locations, staff, (quotes, quote_lines) = _people(now, seed)
    print(
        f"  {len(locations)} locations, {PRACTITIONERS} practitioners, {STAFF} staff, services, "
        f"rules and windows (ORM) in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    _insert(
        "patients",
        User,
        PATIENT_COLUMNS,
        """generate_series(0, %(n)s - 1) n,
           LATERAL (SELECT %(joined)s + (n / %(practitioners)s) * %(step)s AS j) f""",
        {
            "n": PATIENTS,
            "practitioners": PRACTITIONERS,
            "joined": datetime.combine(monday0, datetime.min.time(), UTC) - timedelta(days=30),
            "step": timedelta(weeks=WEEKS) * PRACTITIONERS / PATIENTS,
        },
    )
    with connection.cursor() as cur:
        cur.execute(
            """CREATE TEMP TABLE bpat AS
               SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id AS user_id
               FROM accounts_user WHERE role = 'patient'"""
        )
        cur.execute("ALTER TABLE bpat ADD PRIMARY KEY (n)")
        cur.execute(
            """CREATE TEMP TABLE bp (idx int, practitioner_id bigint, practitioner_user bigint,
                   practitioner_name text, location_id bigint, tz text, off int,
                   auto_confirm bool, buffer_after int, offers_video bool, short_service bigint,
                   short_minutes int, short_price numeric, short_name text,
                   long_service bigint, long_minutes int, long_price numeric, long_name text,
                   n int, cells int, staff bigint[])"""
        )
        shares = [0.6, 0.8, 1.0, 1.2, 1.4]  # some practitioners are busier: the mean is 1
        cur.executemany(
            """INSERT INTO bp VALUES (%(idx)s, %(practitioner_id)s, %(practitioner_user)s,
                   %(practitioner_name)s, %(location_id)s, %(tz)s, %(off)s, %(auto_confirm)s,
                   %(buffer_after)s, %(offers_video)s, %(short_service)s, %(short_minutes)s,
                   %(short_price)s, %(short_name)s, %(long_service)s, %(long_minutes)s,
                   %(long_price)s, %(long_name)s, %(n)s, %(cells)s, %(staff)s)""",
            [
                r | {"n": round(base * shares[r["idx"] % 5]), "cells": cells, "staff": staff}
                for r in rows
            ],
        )
    params = {
        "s": seed,
        "now": now,
        "monday0": monday0,
        "cpd": CELLS_PER_DAY,
        "patients": PATIENTS,
        "practitioners": PRACTITIONERS,
        "panel": PATIENTS // PRACTITIONERS,
    }
    with connection.cursor() as cur:
        cur.execute("ANALYZE bp")
        cur.execute("ANALYZE bpat")
        cur.execute(
            """CREATE TEMP TABLE bq (service_id bigint PRIMARY KEY, currency text, regime text,
                   supplier_state text, place_of_supply text, address text, gstin text,
                   fee numeric, charge numeric, taxable numeric, untaxed numeric, cgst numeric,
                   sgst numeric, igst numeric, vat numeric, round_off numeric, total numeric)"""
        )
        cur.executemany(
            """INSERT INTO bq VALUES (%(service_id)s, %(currency)s, %(regime)s,
                   %(supplier_state)s, %(place_of_supply)s, %(address)s, %(gstin)s, %(fee)s,
                   %(charge)s, %(taxable)s, %(untaxed)s, %(cgst)s, %(sgst)s, %(igst)s, %(vat)s,
                   %(round_off)s, %(total)s)""",
            quotes,
        )
        cur.execute(
            """CREATE TEMP TABLE bql (service_id bigint, position int, kind text,
                   description text, code text, category text, rate numeric, place text,
                   value numeric, cgst numeric, sgst numeric, igst numeric, vat numeric)"""
        )
        cur.executemany(
            """INSERT INTO bql VALUES (%(service_id)s, %(position)s, %(kind)s,
                   %(description)s, %(code)s, %(category)s, %(rate)s, %(place)s, %(value)s,
                   %(cgst)s, %(sgst)s, %(igst)s, %(vat)s)""",
            quote_lines,
        )
    _step("appointments drawn (temporary table)", APPOINTMENTS_SQL, params)
    money = {
        "s": seed,
        "now": now,
        "staff": staff,
        "nstaff": len(staff),
        "clinic": "carebook clinic group",
    }
    with bulk_load(LOADED_TABLES):
        _insert("appointments", Appointment, APPOINTMENT_COLUMNS, APPOINTMENT_SOURCE)
        _step("ANALYZE", "ANALYZE ba; ANALYZE booking_appointment")
        _step("appointment ids and billing plan", BILLED_SQL)
        _step("ANALYZE", "ANALYZE bx")
        _insert("appointment history", AppointmentHistory, HISTORY_COLUMNS, HISTORY_SOURCE)
        _step("invoices planned (temporary table)", BILLS_SQL, money)
        _insert("invoices", Invoice, INVOICE_COLUMNS, INVOICE_SOURCE, money)
        _step("ANALYZE", "ANALYZE bb; ANALYZE billing_invoice")
        _insert("invoice lines", InvoiceLine, INVOICE_LINE_COLUMNS, INVOICE_LINE_SOURCE)
        _insert("payments", Payment, PAYMENT_COLUMNS, PAYMENT_SOURCE, money)
        _step("ANALYZE", "ANALYZE billing_payment")
        _insert("credit notes", CreditNote, CREDIT_NOTE_COLUMNS, CREDIT_NOTE_SOURCE, money)
    _insert("document sequences", DocumentSequence, SEQUENCE_COLUMNS, SEQUENCE_SOURCE)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE ba, bx, bb, bp, bpat, bq, bql")
        cur.execute("RESET ALL")
    _rollup()
    _step("VACUUM ANALYZE", "VACUUM ANALYZE")
    return {
        "anchor": anchor.isoformat(),
        "built_at": now.isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - t0, 1),
    }


def describe() -> dict:
    """What the kept data holds: row counts and the status mix (for the report and the doc)."""
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table in (
            "booking_appointment",
            "booking_appointmenthistory",
            "billing_invoice",
            "billing_payment",
            "billing_creditnote",
            "accounts_user",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")
            out[table] = cur.fetchone()[0]
        cur.execute(
            "SELECT status, count(*) FROM booking_appointment GROUP BY status ORDER BY 2 DESC"
        )
        out["statuses"] = cur.fetchall()
        cur.execute("SELECT min(start), max(start) FROM booking_appointment")
        out["span"] = cur.fetchone()
    return out


def ensure_data(*, rebuild: bool, appointments: int, seed: int) -> tuple[dict, bool]:
    """Migrate the kept database, building its data first when it cannot serve; the marker,
    and whether the data was built now.

    Expects Django's default connection to point at REPORTS_DB.
    """
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from carebook.office.selectors import clinic_today

    now = timezone.now().replace(microsecond=0)
    want = wanted_marker(appointments, seed)
    marker = read_marker()
    reason = "--rebuild" if rebuild else why_rebuild(marker, want, clinic_today(now))
    if reason is None:
        connection.ensure_connection()
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM booking_appointment")
            found = cur.fetchone()[0]
        if found != appointments:
            reason = f"it holds {found:,} appointments, not {appointments:,}"
    if reason is None:
        t = time.perf_counter()
        call_command("migrate", verbosity=0)  # a new migration (an index, say) applies here
        print(
            f"reusing {REPORTS_DB}: data ending around {marker['anchor']} (built "
            f"{marker['built_at']} in {marker['build_seconds']:.0f} s); migrations checked in "
            f"{time.perf_counter() - t:.1f} s; --rebuild to build it again"
        )
        return marker, False
    print(f"building {REPORTS_DB} ({reason}):", flush=True)
    connection.close()
    recreate_database()
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrated in {time.perf_counter() - t:.1f} s", flush=True)
    marker = want | build(appointments=appointments, seed=seed, now=now)
    write_marker(marker)
    print(f"data built in {marker['build_seconds']:.1f} s", flush=True)
    return marker, True


# --- the measurements ----------------------------------------------------------------------------


def report_data(params: dict, today: date) -> dict:
    """`office_report`'s input as the page makes it: a bound ReportForm's cleaned data."""
    from carebook.reports.forms import ReportForm

    form = ReportForm({k: str(v) for k, v in params.items()}, today=today)
    if not form.is_valid():
        raise SystemExit(f"ReportForm refused {params}: {form.errors.as_json()}")
    return form.cleaned_data


def financial_year_before(today: date) -> tuple[date, date]:
    first = today.year if today.month >= 4 else today.year - 1
    return date(first - 1, 4, 1), date(first, 3, 31)


def bench_selectors() -> list:
    """The functions `carebook.reports.BENCH_SELECTORS` names (callables or dotted paths)."""
    from django.utils.module_loading import import_string

    import carebook.reports

    out = []
    for item in getattr(carebook.reports, "BENCH_SELECTORS", None) or []:
        try:
            fn = import_string(item) if isinstance(item, str) else item
        except ImportError as exc:
            print(f"BENCH_SELECTORS: cannot import {item!r} ({exc}); skipped")
            continue
        out.append(fn)
    return out


def call_with(fn, known: dict):
    """A no-argument call of `fn` with the arguments it takes from `known`, or None when it
    needs one we do not know."""
    params = inspect.signature(fn).parameters.values()
    missing = [
        p.name
        for p in params
        if p.name not in known
        and p.default is p.empty
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if missing:
        return None, missing
    given = {p.name: known[p.name] for p in params if p.name in known}
    return (lambda: fn(**given)), []


def staff_client():
    from django.test import Client

    from carebook.accounts.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.filter(role=User.Role.STAFF).order_by("pk").first())
    return client


def time_calls_within(fn, *, runs: int, budget_s: float, warmup: int = 2):
    """bench.measure.time_calls, but a slow report stops after `budget_s` of timed calls
    (having made at least MIN_RUNS), and warms up once only when a call takes over a second."""
    import gc

    from bench.measure import summarise

    t0 = time.perf_counter()
    fn()
    if time.perf_counter() - t0 < 1.0:
        for _ in range(warmup - 1):
            fn()
    gc.collect()
    durations: list[float] = []
    while len(durations) < runs and (len(durations) < MIN_RUNS or sum(durations) < budget_s):
        t0 = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - t0)
    return summarise(durations)


def measure(*, marker: dict, runs: int, explain: bool, budget_s: float = BUDGET_S) -> list[dict]:
    from django.db.models import Count

    from bench.run import queries_of
    from carebook.booking.models import Appointment
    from carebook.clinic.models import Practitioner, Specialty
    from carebook.office.selectors import office_report, office_report_section
    from carebook.reports.revenue import revenue
    from carebook.reports.selectors import ReportFilters, appointment_counts, peak_hours
    from carebook.reports.summary import SECTIONS

    today = date.fromisoformat(marker["anchor"])
    fy_first, fy_last = financial_year_before(today)
    # The busiest practitioner: the filtered report that reads the most rows.
    busiest = (
        Appointment.objects.values("practitioner_id")
        .annotate(n=Count("id"))
        .order_by("-n", "practitioner_id")
        .first()["practitioner_id"]
    )
    specialty = Specialty.objects.order_by("pk").first()
    last_fy = {"period": "custom", "first_day": fy_first, "last_day": fy_last}
    cases = [
        (
            "office_report, this month by day",
            {"period": "month", "group_by": "day"},
        ),
        (
            f"office_report, FY {fy_first.year}-{fy_last.year % 100:02d} by month",
            last_fy | {"group_by": "month"},
        ),
        (
            "office_report, this month, 1 practitioner",
            {"period": "month", "group_by": "day", "practitioner": busiest},
        ),
        (
            f"office_report, FY by month, {specialty.slug}",
            last_fy | {"group_by": "month", "specialty": specialty.slug},
        ),
    ]
    load = os.getloadavg()[0]
    busy = "  (other work is running: the numbers are pessimistic)" if load > 1 else ""
    print(f"1-min load average {load:.2f} before timing{busy}")
    print(
        f"today = {today} (the data's anchor); last financial year {fy_first}..{fy_last}; "
        f"practitioner #{busiest} "
        f"({Practitioner.objects.select_related('user').get(pk=busiest).user.full_name}, the "
        f"busiest); {runs} runs each after 2-3 warm-up calls (a report slower than "
        f"{budget_s / runs:.1f} s a call: as many runs as fit in {budget_s:.0f} s, at least "
        f"{MIN_RUNS})"
    )
    results = []

    def timed(label: str, fn, *, target: bool = True, note: str = "") -> None:
        n = queries_of(fn)  # also the first warm-up call
        timing = time_calls_within(fn, runs=runs, budget_s=budget_s)
        print(f"{label:<46} {timing}   {n} queries{note}", flush=True)
        results.append({"label": label, "timing": timing, "queries": n, "target": target})
        if explain:
            explain_slowest(fn)

    for label, params in cases:
        data = report_data(params, today)
        timed(label, lambda data=data: office_report(data))
    # The page's two later sections, each its own request (htmx asks after the first answer).
    fy_data = report_data(last_fy | {"group_by": "month"}, today)
    for section in SECTIONS:
        timed(
            f"section {section}, FY",
            lambda section=section: office_report_section(section, fy_data),
        )
    everyone = ReportFilters()
    fy = {"start": fy_first, "end": fy_last}
    timed(
        "appointment_counts, FY by month",
        lambda: appointment_counts(**fy, group_by="month", filters=everyone),
    )
    timed("revenue, FY by month", lambda: revenue(**fy, group_by="month", filters=everyone))
    timed("peak_hours, FY", lambda: peak_hours(**fy, filters=everyone))
    known = fy | {"group_by": "month", "filters": everyone, "today": today}
    extra = bench_selectors()
    for fn in extra:
        call, missing = call_with(fn, known)
        name = f"{fn.__module__.removeprefix('carebook.')}.{fn.__qualname__}"
        if call is None:
            print(f"{name}: needs {', '.join(missing)}; skipped")
            continue
        timed(f"{name}, FY"[:46], call)
    if not extra:
        print("(carebook.reports.BENCH_SELECTORS: none listed)")
    client = staff_client()
    url = "/office/reports/?period=financial_year&group_by=month"
    response = client.get(url)
    if response.status_code != 200:
        print(f"GET {url}: HTTP {response.status_code}; page not timed")
    else:
        size = len(response.content) // 1024
        timed(
            "GET /office/reports/, this FY by month",
            lambda: client.get(url),
            note=f", {size} KiB (test client, staff, real clock)",
        )
        for section in SECTIONS:
            part = f"/office/reports/{section}/?period=financial_year&group_by=month"
            timed(
                f"GET /office/reports/{section}/, this FY"[:46],
                lambda part=part: client.get(part, headers={"HX-Request": "true"}),
            )
    return results


def explain_slowest(fn, *, top: int = 3) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the `top` slowest queries one call of `fn` makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:top]
    for q in queries:
        print(f"\n--- {float(q['time']) * 1000:.0f} ms: {q['sql'][:2000]}")
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            print("\n".join(row[0] for row in cur.fetchall()))
    print()


def summary_rows(result: dict | None) -> list[tuple[str, str, str, str]]:
    """Rows for bench/run.py's summary table."""
    from bench.measure import verdict

    if result is None:
        return []
    if result.get("skipped"):
        return [("6. reports, 1,000,000 appointments", result["skipped"], "", "SKIP")]
    rows = []
    for i, r in enumerate(result["results"]):
        t = r["timing"]
        rows.append(
            (
                ("6. " if i == 0 else "   ") + r["label"],
                f"median {t.median_ms:.0f} ms, p95 {t.p95_ms:.0f} ms",
                f"p95 < {TARGET_P95_MS:g} ms",
                verdict(t.p95_ms < TARGET_P95_MS),
            )
        )
    rows.append(
        (
            f"   data: {result['facts']['booking_appointment']:,} appointments",
            result["data_note"],
            "(for reference)",
            "",
        )
    )
    return rows


def run(
    *,
    rebuild: bool = False,
    runs: int = RUNS,
    explain: bool = False,
    appointments: int = APPOINTMENTS,
    seed: int = SEED,
    switch: bool = True,
    try_indexes: bool = False,
) -> dict:
    """Build or reuse the data, time every report; `switch`: point Django's connection at the
    kept database for the while (as bench/run.py needs), else it already does; `try_indexes`:
    measure with CANDIDATE_INDEXES in place (dropped again afterwards)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        print("SKIPPED: needs PostgreSQL.")
        return {"skipped": "skipped (no PostgreSQL)"}
    with using_database(REPORTS_DB) if switch else _nothing():
        marker, built = ensure_data(rebuild=rebuild, appointments=appointments, seed=seed)
        facts = describe()
        first, last = facts["span"]
        mix = ", ".join(f"{s} {n / facts['booking_appointment']:.1%}" for s, n in facts["statuses"])
        print(
            f"{facts['booking_appointment']:,} appointments {first:%Y-%m-%d}..{last:%Y-%m-%d} "
            f"({mix}); {facts['booking_appointmenthistory']:,} history rows, "
            f"{facts['billing_invoice']:,} invoices, {facts['billing_payment']:,} payments, "
            f"{facts['billing_creditnote']:,} credit notes, {facts['accounts_user']:,} users"
        )
        with candidate_indexes() if try_indexes else _nothing():
            results = measure(marker=marker, runs=runs, explain=explain)
    how = "built now" if built else f"kept from {marker['built_at'][:10]}"
    note = f"{how}; the build takes {marker['build_seconds']:.0f} s"
    return {"results": results, "marker": marker, "facts": facts, "data_note": note}


@contextmanager
def _nothing():
    yield


# What the reports' queries lack at this scale (see docs/performance.md): `--try-indexes`
# measures with them. Once a migration adds them, the kept database gets them by `migrate`.
CANDIDATE_INDEXES = [
    # Every report filters appointments on a range of `start` alone.
    "CREATE INDEX bench_try_appt_start ON booking_appointment (start)",
    # Revenue: payments that succeeded, on the range of `completed_at`.
    "CREATE INDEX bench_try_payment_completed ON billing_payment (completed_at) "
    "WHERE status = 'succeeded'",
    # Cancellations and decision times look up the history rows of the range's appointments.
    "CREATE INDEX bench_try_history_cancelled ON booking_appointmenthistory (appointment_id) "
    "WHERE to_status = 'cancelled'",
    "CREATE INDEX bench_try_history_decided ON booking_appointmenthistory (appointment_id) "
    "WHERE from_status = 'requested' AND to_status IN ('confirmed', 'rejected')",
    # New patients: is there a kept visit before this one (an index-only probe, also when
    # filtered to a practitioner).
    "CREATE INDEX bench_try_appt_patient_kept ON booking_appointment (patient_id, start) "
    "INCLUDE (practitioner_id) WHERE status IN ('confirmed', 'completed', 'no_show')",
]


@contextmanager
def candidate_indexes():
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        for sql in CANDIDATE_INDEXES:
            cur.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
        cur.execute("ANALYZE")
    print(f"{len(CANDIDATE_INDEXES)} candidate indexes built in {time.perf_counter() - t:.1f} s:")
    for sql in CANDIDATE_INDEXES:
        print(f"  {sql}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            for sql in CANDIDATE_INDEXES:
                cur.execute(f"DROP INDEX IF EXISTS {sql.split()[2]}")
        print("candidate indexes dropped again")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the slowest queries")
    parser.add_argument("--appointments", type=int, default=APPOINTMENTS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--try-indexes",
        action="store_true",
        help="measure with the candidate indexes (CANDIDATE_INDEXES), dropped again afterwards",
    )
    args = parser.parse_args()
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_DSN, connect_timeout=3).close()
    except Exception as exc:
        print(f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT} ({exc}); nothing to do.")
        return 1
    if read_marker() is None:
        recreate_database()
    from bench.run import heading, setup_django

    setup_django(database_url())
    from django.core.management import call_command

    try:
        call_command("makemigrations", check=True, dry_run=True, verbosity=0)
    except SystemExit:
        print("The models have changes without a migration: add it and run again.")
        return 2
    started = time.perf_counter()
    heading("6. reports over 1,000,000 appointments, 200 practitioners, 5 years")
    result = run(
        rebuild=args.rebuild,
        runs=args.runs,
        explain=args.explain,
        appointments=args.appointments,
        seed=args.seed,
        switch=False,
        try_indexes=args.try_indexes,
    )
    print_table(summary_rows(result))
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    header = ("benchmark", "measured", "target", "result")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    for i, row in enumerate([header, *rows]):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print(line)
    print(line)


if __name__ == "__main__":
    os.environ.setdefault("DEBUG", "1")
    sys.exit(main())
