"""The exchange table the 亩均 room adds to the contract (see ``docs/contract.md``)."""

from zhizao.contract.tables import CREDIT, YEAR, Column, Table

NEGATIVE_LIST = Table(
    "mujun_negative_list", "亩均评价负面清单", "应急管理 / 生态环境 / 税务 / 市场监管", ("credit_code", "year", "item"),
    (
        CREDIT, YEAR,
        Column("item", "负面清单事项", "text", "the entry, as the department words it (e.g. 重大安全生产事故, "
               "重大环境违法, 偷税漏税, 严重失信)", aliases=("事项", "负面事项")),
        Column("department", "认定部门", "text", "the department that recorded the entry", required=False),
        Column("note", "说明", "text", "case number or remark", required=False),
    ),
    doc="Firms on the year's negative list of the 亩均 evaluation: a methodology with `negative_list` puts "
        "the unit (any member firm) in its class (D) whatever its score, and says so in `reason`.",
)

TABLES = (NEGATIVE_LIST,)
