"""Ingestion: department files (CSV in UTF-8 / UTF-8-BOM / GBK / GB18030, XLSX) → warehouse batches.

Public API (the CLI, the web upload and the demo call these)::

    import_file(settings, table, path, source=None, sheet=None, progress=None) -> ImportResult
    import_many(settings, table, paths, ...) -> list[ImportResult]
    list_batches(settings), table_counts(settings), rejects(settings, batch_id)
    read_as_of(settings, table, as_of), read_current(settings, table)

File-level problems raise :class:`IngestError` with a Chinese message and load nothing.
"""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.ingest.errors import IngestError
    from zhizao.ingest.importer import STAGES, ImportResult, Reject, import_file, import_many
    from zhizao.ingest.queries import list_batches, read_as_of, read_current, rejects, table_counts

__getattr__, __dir__ = exports(__name__, {
    "IngestError": "zhizao.ingest.errors",
    **dict.fromkeys(("STAGES", "ImportResult", "Reject", "import_file", "import_many"), "zhizao.ingest.importer"),
    **dict.fromkeys(("list_batches", "read_as_of", "read_current", "rejects", "table_counts"), "zhizao.ingest.queries"),
})

__all__ = [
    "STAGES",
    "ImportResult",
    "IngestError",
    "Reject",
    "import_file",
    "import_many",
    "list_batches",
    "read_as_of",
    "read_current",
    "rejects",
    "table_counts",
]
