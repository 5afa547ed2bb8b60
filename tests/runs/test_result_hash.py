"""The result hash is computed in the engine, and equals the per-row definition it replaced."""

from __future__ import annotations

import hashlib
import io

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhizao.runs.registry import _counts, result_hash


@pytest.fixture(scope="module")
def memory_db():
    con = duckdb.connect()
    yield con
    con.close()


def _reference_hash(table: pa.Table) -> str:
    """The definition: floats rounded to 12 significant digits in Python, rows sorted by key."""
    sort_keys = [(c, "ascending") for c in table.column_names if c in ("credit_code", "track", "month")]
    t = table.sort_by(sort_keys) if sort_keys else table
    cols = []
    for name in t.column_names:
        col = t[name]
        if pa.types.is_floating(col.type):
            col = pa.array([None if v is None else float(f"{v:.12g}") for v in col.to_pylist()], type=pa.float64())
        cols.append(col)
    buf = io.BytesIO()
    pacsv.write_csv(pa.table(cols, names=t.column_names), buf)
    return hashlib.sha256(buf.getvalue()).hexdigest()


floats = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                   st.floats(min_value=-1e6, max_value=1e6), st.sampled_from([0.0, -0.0, 0.1 + 0.2, 1 / 3, 5.8e-7]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="0123456789ABC", min_size=1, max_size=4), floats, floats,
                          st.one_of(st.none(), st.integers(1, 5))), max_size=30))
def test_engine_rounding_equals_the_python_definition(memory_db, rows):
    t = pa.table({"credit_code": [r[0] for r in rows], "intensity": pa.array([r[1] for r in rows], pa.float64()),
                  "k": pa.array([r[2] for r in rows], pa.float32()), "grade": pa.array([r[3] for r in rows], pa.int64())})
    assert result_hash(t, memory_db) == _reference_hash(t)


def test_hash_ignores_row_order_and_float_noise_below_twelve_digits():
    a = pa.table({"credit_code": ["B", "A"], "x": [1.0000000000001, 2.5]})
    b = pa.table({"credit_code": ["A", "B"], "x": [2.5, 1.0]})
    assert result_hash(a) == result_hash(b)


def test_counts_tally_status_and_outcomes_without_nulls():
    t = pa.table({"status": ["graded", "held", "graded", None], "grade": pa.array([1, None, 3, None], pa.int64())})
    assert _counts(t, ("grade",)) == {"firms": 4, "status": {"None": 1, "graded": 2, "held": 1},
                                      "grade": {"1": 1, "3": 1}}


def test_a_table_of_many_batches_hashes_as_the_python_definition():
    """Past two rounding batches the floats are rounded batch by batch on the engine's threads and
    the CSV is written in two halves: the hash is still the definition's, row for row."""
    import random

    from zhizao.runs import registry

    rng = random.Random(7)
    n = 2 * registry._HASH_BATCH_ROWS + 1_001
    codes = [f"{i:06d}" for i in range(n)]
    rng.shuffle(codes)
    t = pa.table({"credit_code": codes,
                  "intensity": pa.array([None if i % 97 == 0 else rng.uniform(-1e3, 1e3) / 3 for i in range(n)]),
                  "grade": pa.array([i % 5 for i in range(n)], pa.int64())})
    assert t.num_rows > 2 * registry._HASH_BATCH_ROWS
    assert result_hash(t) == _reference_hash(t)


def _bits(values) -> list[int]:
    import struct

    return [struct.unpack("<q", struct.pack("<d", v))[0] for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False), st.floats(min_value=-1e13, max_value=1e13),
                          st.floats(min_value=-1e-9, max_value=1e-9),
                          st.decimals(min_value=-10**8, max_value=10**8, places=6, allow_nan=False,
                                      allow_infinity=False).map(float)),
                min_size=1, max_size=200))
def test_rounding_to_twelve_digits_is_pythons_bit_for_bit(memory_db, values):
    """Every double, huge, tiny, subnormal or negative zero, rounds as ``float(f"{v:.12g}")``,
    bit for bit (the vectorised path and the exact one for values next to a half, here on a
    cursor of the caller's connection as a run's registration does)."""
    from zhizao.runs.registry import round12

    got = round12(pa.array(values, pa.float64()), con=memory_db)[0].to_pylist()
    assert _bits(got) == _bits([float(f"{v:.12g}") for v in values])


def test_rounding_next_to_a_half_and_a_power_of_ten_is_exact():
    """Thirteen digits ending in 5 (a tie at twelve digits in decimal, not in binary), values a hair
    below a power of ten, and values far outside the scaled range (the exact path in a database
    of its own: no connection given)."""
    from zhizao.runs.registry import round12

    values = [1234567.891235, 0.1234567891235, 999.9999999999999, 99999999999.95, 1e12 - 0.5,
              0.30000000000000004, 5e-324, 1.7976931348623157e308, -2.5e-12, 123456789012345.0, None]
    got = round12(pa.array(values, pa.float64()))[0].to_pylist()
    assert got[-1] is None
    assert _bits(got[:-1]) == _bits([float(f"{v:.12g}") for v in values[:-1]])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="ABC", min_size=1, max_size=2), st.integers(1, 12),
                          st.floats(allow_nan=False, allow_infinity=False)), max_size=25))
def test_rows_already_in_key_order_hash_as_the_definition(memory_db, rows):
    """A run read with its plan comes ordered by its first key, and the hash then skips its own
    sort: only when that key is strictly increasing. A table ordered by firm but not by month within
    a firm is still sorted."""
    by_code = sorted(rows, key=lambda r: r[0])  # firm order only: months of a firm as they came
    t = pa.table({"credit_code": [r[0] for r in by_code], "month": pa.array([r[1] for r in by_code], pa.int64()),
                  "x": pa.array([r[2] for r in by_code], pa.float64())})
    assert result_hash(t, memory_db) == _reference_hash(t)
    unique = {r[0]: r for r in by_code}.values()  # one row a firm, in firm order
    u = pa.table({"credit_code": [r[0] for r in unique], "x": pa.array([r[2] for r in unique], pa.float64())})
    assert result_hash(u, memory_db) == _reference_hash(u)


def test_a_firm_ordered_table_with_months_out_of_order_is_sorted_for_the_hash():
    a = pa.table({"credit_code": ["A", "A", "B"], "month": [2, 1, 1], "x": [2.0, 1.0, 3.0]})
    b = pa.table({"credit_code": ["A", "A", "B"], "month": [1, 2, 1], "x": [1.0, 2.0, 3.0]})
    assert result_hash(a) == result_hash(b) == _reference_hash(b)
