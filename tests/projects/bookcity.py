"""A small city with the demo's project book: 200 manufacturing firms in five districts, the
projects the demo hook writes for them (seeded), imported for real, and one account per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from city import Firm, credit_code, import_tables, tables
from world import add_user_fast

from zhizao.ingest import import_file
from zhizao.projects import demo
from zhizao.settings import Settings, load_settings
from zhizao.store.accounts import hash_password
from zhizao.store.db import init_store, session_scope

PASSWORD = "correct-horse"
DISTRICTS = ("330502", "330503", "330521", "330522", "330523")


@dataclass
class BookCity:
    settings: Settings
    firms: list[tuple[str, str, str]]
    imports: list[dict] = field(default_factory=list)


def firms() -> list[tuple[str, str, str]]:
    return [(credit_code(i, r), r, "3011" if i % 2 else "3911")
            for i, r in enumerate(DISTRICTS * 40)]


def build(root: Path, seed: int = 7, with_users: bool = True) -> BookCity:
    s = load_settings(root / "home").ensure()
    fs = firms()
    register = [Firm(c, name=f"演示制造{c[-5:]}有限公司", region=r, industry=ind, founded="2010-01-01", above=None)
                for c, r, ind in fs]
    import_tables(s, tables(register, 2024, ("enterprises",)), root)
    city = BookCity(s, fs)
    for table, p, source in demo.write_files(root / "projects", demo.generate(fs, seed)):
        city.imports.append(import_file(s, table, p, source=source).to_dict())
    if with_users:
        init_store(s)
        pw = hash_password(PASSWORD)
        with session_scope(s) as db:
            add_user_fast(db, "city", "city", password_hash=pw)
            add_user_fast(db, "district", "district", password_hash=pw, region_code=DISTRICTS[0])
            add_user_fast(db, "firm", "enterprise", password_hash=pw, credit_code=fs[0][0])
    return city
