"""The exchange tables this room adds to the contract (``Room.tables``, CONTRACT.md "Wave 2
additions"): ``benefits`` (what each firm is due and was paid, per policy item and year) and
``water_use`` (a firm's yearly water, the base of the differential water price)."""

from __future__ import annotations

from zhizao.contract.tables import CREDIT, YEAR, Column, Table
from zhizao.policies.catalogue import KINDS, Catalogue


def _item_values() -> dict[str, tuple[str, ...]]:
    """Every shipped item id, with its title as the accepted Chinese spelling: a benefit naming
    an unknown item is rejected (``unknown_code``)."""
    return {it.id: (it.title,) for it in Catalogue().items}


_KIND_SPELLINGS: dict[str, tuple[str, ...]] = {k: (v,) for k, v in KINDS.items()}

BENEFITS = Table(
    "benefits", "政策兑现", "财政 / 税务 / 经信", ("credit_code", "item_id", "year"),
    (
        CREDIT, YEAR,
        Column("item_id", "政策条目编号", "code", "a policy item id (`zhizao policies list`) or its title",
               check="enum", values=_item_values(), aliases=("政策条目", "政策编号")),
        Column("kind", "类别", "code", "tax 减税, fee 减费, rent 减租, interest 减息, cost 减支, award 奖补",
               check="enum", values=_KIND_SPELLINGS),
        Column("expected", "应享金额", "float", "amount due, 万元", unit_family="money", non_negative=True),
        Column("paid", "已兑现金额", "float", "amount paid so far, 万元", unit_family="money", non_negative=True),
        Column("paid_on", "兑现日期", "date", "date of the (last) payment", required=False),
    ),
    doc="What each firm is due and was paid under a policy item in a year (the 一指减负 ledger's facts). "
        "A row naming an unknown item or a negative amount is rejected.",
)

WATER_USE = Table(
    "water_use", "用水量", "水务", ("credit_code", "year"),
    (
        CREDIT, YEAR,
        Column("water_m3", "用水量", "float", "water used in the year, m³", unit_family="volume", non_negative=True),
    ),
    doc="A firm's yearly water use (the base of the differential water price, 差别化水价).",
)

TABLES: tuple[Table, ...] = (BENEFITS, WATER_USE)
