"""Loading a tiny 亩均 city into a real warehouse through the importer (CSV files, batches)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tests.mujun.citydata import Firm, tables

from zhizao.codes.credit_code import make
from zhizao.ingest.importer import import_file
from zhizao.settings import Settings

ORDER = ("enterprises", "statistics_annual", "tax", "energy", "land", "emissions")


def valid_code(i: int) -> str:
    return make("9", "1", "331003", f"MA{i:07d}")


def to_csv(name: str, df: pd.DataFrame, path: Path) -> Path:
    df = df.copy()
    for c in df.columns:
        if str(df[c].dtype) == "boolean":
            df[c] = df[c].map(lambda v: "" if pd.isna(v) else ("是" if v else "否"))
        elif c == "month":
            df[c] = pd.to_datetime(df[c]).dt.strftime("%Y-%m")
        elif c == "founded_on":
            df[c] = pd.to_datetime(df[c]).dt.strftime("%Y-%m-%d")
    if name == "energy":
        df["unit"] = df["energy_type"].map({"electricity": "千瓦时"}).fillna("吨")
    if name == "land":
        df["tenure"] = df["tenure"].map({"owned": "自有", "leased": "租赁"})
    df.to_csv(path, index=False)
    return path


def load(settings: Settings, firms: list[Firm], year: int, tmp: Path, only: tuple[str, ...] = ORDER) -> list[int]:
    """Import the firms' tables; returns the batch ids."""
    ids = []
    for name, df in tables(firms, year).items():
        if name not in only or df.empty:
            continue
        r = import_file(settings, name, to_csv(name, df, tmp / f"{name}-{year}.csv"))
        assert r.rows_rejected == 0, r.rejects
        ids.append(r.batch_id)
    return ids
