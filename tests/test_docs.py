"""The contract reference in docs/ is generated from the declarations and must not go stale
(datasette-style: this fails when a declaration changes without the doc)."""

from __future__ import annotations

from zhizao.contract import TABLES
from zhizao.contract.docs import DOC_PATH, render_markdown
from zhizao.contract.rejects import REJECT_CODES
from zhizao.contract.tables import ENERGY_TYPES, ZERO_CARBON_KINDS


def test_committed_contract_doc_is_up_to_date() -> None:
    committed = DOC_PATH.read_text(encoding="utf-8")
    assert committed == render_markdown(), (
        "docs/contract.md is stale: regenerate it with `python -m zhizao.contract.docs`")


def test_contract_doc_names_every_table_column_code_and_extension() -> None:
    doc = render_markdown()
    for t in TABLES.values():
        assert f"### `{t.name}` · {t.title}" in doc
        for c in t.columns:
            assert f"| `{c.name}` | {c.header} |" in doc, (t.name, c.name)
    for code in REJECT_CODES:
        assert f"| `{code}` |" in doc
    for code in (*ENERGY_TYPES, *ZERO_CARBON_KINDS):
        assert f"| `{code}` |" in doc
    for extension in ("外送电力", "外供热力", "生物质", "zhizao rejects BATCH_ID", '{"imports": [object, …]}'):
        assert extension in doc
