"""Benchmark: import a 2,000,000-row ``energy`` CSV against DuckDB's bare ``read_csv``.

The file is realistic: Chinese headers, Chinese energy-type names, three month spellings, mixed
units (千瓦时 / 万千瓦时, 立方米 / 万立方米, 吨, 吉焦), thousands separators and about 0.3 %
dirty rows (bad credit codes, unknown firms, negative or unreadable quantities, wrong units,
duplicate keys). It is written with DuckDB SQL, independently of the demo generator.

Each repetition times, in the same run and on the same file:

- **bare**: ``CREATE TABLE energy AS SELECT * FROM read_csv(file)`` in a fresh DuckDB file
  (type sniffing, no validation), connection closed (checkpointed);
- **import**: ``zhizao.ingest.import_file`` into a fresh warehouse that already holds the
  enterprises (reading as text, encoding check and hash, header and unit mapping, the one-pass
  validation, unit conversion, key checks, superseding, the batch commit).

Run: ``python bench/import_energy.py [--rows 2000000] [--repeat 3] [--record]``
(``--record`` rewrites ``bench/results/import_energy.md``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from _common import cpu_model, mem_total_kb
from zhizao.codes.credit_code import make
from zhizao.ingest import import_file
from zhizao.settings import load_settings

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ROWS_PER_FIRM = 100  # 50 months x 2 energy types


def firm_codes(n: int) -> list[str]:
    """n valid, distinct credit codes (setup only, not timed)."""
    regions = ("330502", "330503", "330521", "330522", "330523")
    out = []
    for i in range(n):
        org, k = [], i
        for _ in range(8):
            org.append(ALPHABET[k % 31])
            k //= 31
        out.append(make("9", "1", regions[i % 5], "MA" + "".join(org)[:7]))
    return out


def write_enterprises(path: Path, codes: list[str]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE c AS SELECT * FROM unnest($codes) WITH ORDINALITY AS t(code, i)", {"codes": codes})
    con.execute(f"""
        COPY (SELECT code AS 统一社会信用代码, '测试企业' || i || '有限公司' AS 企业名称,
                     ['330502','330503','330521','330522','330523'][1 + i % 5] AS 行政区划代码,
                     ['2110','1713','3021','3841','3411'][1 + i % 5] AS 行业代码,
                     '2010-01-01' AS 成立日期
              FROM c ORDER BY i) TO '{path}' (HEADER, DELIMITER ',')""")
    con.close()


def write_energy(path: Path, codes: list[str], rows: int, stranger: str) -> None:
    """``rows`` energy rows: firm x 50 months x (electricity + one other type), with dirt;
    ``stranger`` is a valid credit code that is not among the enterprises."""
    firms = rows // ROWS_PER_FIRM
    con = duckdb.connect()
    con.execute("CREATE TABLE c AS SELECT * FROM unnest($codes) WITH ORDINALITY AS t(code, i)",
                {"codes": codes[:firms]})
    con.execute(f"""
        COPY (
          WITH g AS (
            SELECT c.i, c.code, m.m, t.t,
                   (c.i * 100 + m.m * 2 + t.t) AS n,
                   DATE '2020-01-01' + to_months(m.m) AS month
            FROM c, range(50) m(m), range(2) t(t)
          ), typed AS (
            SELECT *,
                   CASE WHEN t = 0 THEN 'electricity' ELSE ['natural_gas','raw_coal','heat','diesel'][1 + i % 4] END AS kind,
                   hash(n) % 1000 AS dirt,
                   (hash(n * 7) % 100000) / 10.0 + 1 AS base
            FROM g
          )
          SELECT
            CASE WHEN dirt = 1 THEN left(code, 17) || CASE WHEN right(code, 1) = '0' THEN '1' ELSE '0' END
                 WHEN dirt = 2 THEN '{stranger}'
                 ELSE code END AS 统一社会信用代码,
            CASE n % 3 WHEN 0 THEN strftime(month, '%Y-%m')
                       WHEN 1 THEN strftime(month, '%Y年') || month(month) || '月'
                       ELSE strftime(month, '%Y%m') END AS 月份,
            CASE kind WHEN 'electricity' THEN '电力' WHEN 'natural_gas' THEN '天然气' WHEN 'raw_coal' THEN '原煤'
                      WHEN 'heat' THEN '热力' ELSE '柴油' END AS 能源品种,
            CASE WHEN dirt = 3 THEN '-' || base::VARCHAR
                 WHEN dirt = 4 THEN '约' || base::VARCHAR
                 WHEN base > 5000 THEN format('{{:,.1f}}', base * 10)
                 ELSE base::VARCHAR END AS 消费量,
            CASE WHEN dirt = 5 THEN '立方米'
                 WHEN kind = 'electricity' THEN CASE WHEN n % 2 = 0 THEN '千瓦时' ELSE '万千瓦时' END
                 WHEN kind = 'natural_gas' THEN CASE WHEN n % 2 = 0 THEN '立方米' ELSE '万立方米' END
                 WHEN kind = 'heat' THEN '吉焦'
                 ELSE '吨' END AS 计量单位
          FROM typed
          UNION ALL  -- a few exact repeats of earlier keys: duplicate_key
          SELECT code, strftime(DATE '2020-01-01', '%Y-%m'), '电力', '1', '千瓦时' FROM c WHERE i % 500 = 0
        ) TO '{path}' (HEADER, DELIMITER ',')""")
    con.close()


def bare_read(csv: Path, db: Path) -> float:
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE energy AS SELECT * FROM read_csv('{csv}')")
    con.close()
    return time.perf_counter() - started


def machine() -> str:
    kb = mem_total_kb()
    mem = f"{kb / 1024 / 1024:.0f} GiB RAM" if kb else ""
    return f"{cpu_model()}, {os.cpu_count()} cores, {mem}, {platform.system()} {platform.release()}"


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--record", action="store_true", help="rewrite bench/results/import_energy.md")
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    firms = args.rows // ROWS_PER_FIRM
    codes = firm_codes(firms + 1)
    ent_csv, energy_csv = work / "enterprises.csv", work / "energy.csv"
    write_enterprises(ent_csv, codes[:firms])
    write_energy(energy_csv, codes, args.rows, stranger=codes[firms])
    size_mb = energy_csv.stat().st_size / 1e6
    seed_home = work / "seed"
    shutil.rmtree(seed_home, ignore_errors=True)
    seed = load_settings(seed_home).ensure()
    import_file(seed, "enterprises", ent_csv, source="bench")

    load_before = load_average()
    bare_s: list[float] = []
    import_s: list[float] = []
    stages: list[dict[str, float]] = []
    result = None
    for k in range(args.repeat):
        db = work / f"bare-{k}.duckdb"
        db.unlink(missing_ok=True)
        bare_s.append(bare_read(energy_csv, db))
        home = work / f"home-{k}"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(seed_home, home)
        settings = load_settings(home)
        marks: list[tuple[str, float]] = []
        started = time.perf_counter()
        result = import_file(settings, "energy", energy_csv, source="bench", reject_limit=0,
                             progress=lambda stage, marks=marks: marks.append((stage, time.perf_counter())))
        import_s.append(time.perf_counter() - started)
        ends = [t for _, t in marks[1:]] + [started + import_s[-1]]
        stages.append({name: end - t for (name, t), end in zip(marks, ends, strict=True)})
        print(f"run {k + 1}: bare read_csv {bare_s[-1]:.2f} s, import {import_s[-1]:.2f} s "
              f"(ratio {import_s[-1] / bare_s[-1]:.2f})", file=sys.stderr)
    assert result is not None
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    rows_in_file = duckdb.connect().execute(f"SELECT count(*) FROM read_csv('{energy_csv}')").fetchone()[0]  # type: ignore[index]
    assert result.rows_read == rows_in_file, (result.rows_read, rows_in_file)

    b_min, b_med = min(bare_s), statistics.median(bare_s)
    i_min, i_med = min(import_s), statistics.median(import_s)
    # each repetition times both jobs back to back: compare within a repetition
    ratios = [i / b for i, b in zip(import_s, bare_s, strict=True)]
    ratio_min, ratio_med = min(ratios), statistics.median(ratios)
    print(f"rows {result.rows_read:,} ({size_mb:.0f} MB): loaded {result.rows_loaded:,}, rejected {result.rows_rejected:,}")
    print(f"bare read_csv  min {b_min:.2f} s  median {b_med:.2f} s")
    print(f"import_file    min {i_min:.2f} s  median {i_med:.2f} s")
    print(f"ratio          min {ratio_min:.2f}x  median {ratio_med:.2f}x  (target <= 3x)")
    stage_med = {k: statistics.median(s[k] for s in stages) for k in stages[0]}
    print("import stages (median): " + ", ".join(f"{k} {v:.2f} s" for k, v in stage_med.items()))

    if args.record:
        duck_v = duckdb.__version__
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent).stdout.strip()
        out = Path(__file__).parent / "results" / "import_energy.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(f"""# Import benchmark: 2,000,000-row `energy` CSV

Recorded {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit `{commit}`.

- Machine: {machine()}; 1-minute load average {load_before} before the timed runs and {load_average()}
  after (the machine may be shared: absolute times vary with it, the ratio of two jobs timed
  back to back in each repetition is the figure that compares)
- Python {platform.python_version()}, DuckDB {duck_v}
- File: {result.rows_read:,} data rows, {size_mb:.0f} MB, UTF-8, Chinese headers, three month spellings,
  mixed units, thousands separators; {result.rows_rejected:,} rows are dirty on purpose and rejected
  (bad or unknown credit codes, negative or unreadable quantities, wrong units, duplicate keys)
- Warehouse: fresh DuckDB file per repetition, holding the {firms:,} enterprises

| | min | median | runs |
|---|---|---|---|
| bare DuckDB `read_csv` into a table | {b_min:.2f} s | {b_med:.2f} s | {', '.join(f'{x:.2f}' for x in bare_s)} |
| `zhizao.ingest.import_file` | {i_min:.2f} s | {i_med:.2f} s | {', '.join(f'{x:.2f}' for x in import_s)} |
| ratio import / bare, per repetition | {ratio_min:.2f}× | {ratio_med:.2f}× | {', '.join(f'{x:.2f}' for x in ratios)} (target ≤ 3×) |

Import stages (median): {', '.join(f'{k} {v:.2f} s' for k, v in stage_med.items())} (read: hash, encoding
check, header mapping, every cell into a text table; validate: the one-pass SQL; commit: the transaction).

Loaded {result.rows_loaded:,} rows, rejected {result.rows_rejected:,}; `rows_read = rows_loaded + rows_rejected`
and equals the file's row count (checked by the script).

What the import does beyond the bare read: sha256 and strict UTF-8 check of the bytes (one
streamed pass), header mapping, every cell read as text, trimming, three month spellings,
Chinese energy-type names, thousands separators, per-row unit conversion by energy type,
credit-code check characters, the enterprise look-up, duplicate keys, the reject messages,
superseding older rows of the same keys, and the batch committed in one transaction.

Rerun:

    . .venv/bin/activate
    python bench/import_energy.py --rows 2000000 --repeat 3 --record
""")
        print(f"recorded {out}")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
