"""Working days (工作日): weekends and public holidays are rest days, make-up days (调休上班) work.

The calendar is data (``calendars/cn-working-days.yaml``, one block per year with the State
Council notice it comes from). Counting beyond the years the file covers is refused rather than
guessed: a deadline computed on an unknown year's holidays would be silently wrong. A year whose
notice is not yet out holds the statutory days only and is marked ``provisional``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from zhizao import yamltext


class CalendarError(ValueError):
    pass


class _Year(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    #: only the statutory days, before the year's State Council notice (make-up days unknown)
    provisional: bool = False
    holidays: list[tuple[dt.date, dt.date, str]]
    workdays: list[dt.date] = []


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    sources: dict[str, str]
    years: dict[int, _Year]

    @model_validator(mode="after")
    def _check(self) -> _File:
        for y, block in self.years.items():
            if block.source not in self.sources:
                raise ValueError(f"{y} 年引用了未声明的来源: {block.source}")
            for a, b, name in block.holidays:
                if b < a:
                    raise ValueError(f"{y} 年「{name}」结束日期早于开始日期")
            for d in block.workdays:
                if d.weekday() < 5:
                    raise ValueError(f"{y} 年调休上班日 {d} 不是周末")
        return self


@dataclass(frozen=True)
class WorkingCalendar:
    name: str
    title: str
    first_year: int
    last_year: int
    holidays: frozenset[dt.date]
    holiday_names: dict[dt.date, str]
    workdays: frozenset[dt.date]
    provisional_years: frozenset[int] = frozenset()

    def is_provisional(self, start: dt.date, end: dt.date) -> bool:
        """Whether a span runs through a year whose make-up days are not yet published."""
        return any(start.year <= y <= end.year for y in self.provisional_years)

    def _covered(self, d: dt.date) -> None:
        if not self.first_year <= d.year <= self.last_year:
            raise CalendarError(f"工作日历只覆盖 {self.first_year}–{self.last_year} 年，无法计算 {d} 的工作日")

    def is_working_day(self, d: dt.date) -> bool:
        self._covered(d)
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def add(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted; n ≥ 0)."""
        if n < 0:
            raise CalendarError("工作日数不能为负")
        d = start
        while n > 0:
            d += dt.timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when end < start)."""
        if end < start:
            return -self.between(end, start)
        n, d = 0, start
        while d < end:
            d += dt.timedelta(days=1)
            n += self.is_working_day(d)
        return n


def load(path: Path | None = None) -> WorkingCalendar:
    text = (path.read_text(encoding="utf-8") if path is not None
            else (files("zhizao.policies") / "calendars" / "cn-working-days.yaml").read_text(encoding="utf-8"))
    f = _File.model_validate(yamltext.load(text))
    hol: dict[dt.date, str] = {}
    for block in f.years.values():
        for a, b, name in block.holidays:
            d = a
            while d <= b:
                hol[d] = name
                d += dt.timedelta(days=1)
    work = frozenset(d for block in f.years.values() for d in block.workdays)
    prov = frozenset(y for y, block in f.years.items() if block.provisional)
    return WorkingCalendar(f.name, f.title, min(f.years), max(f.years), frozenset(hol), hol, work, prov)


@cache
def default() -> WorkingCalendar:
    return load()
