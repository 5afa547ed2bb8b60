"""Backups of a home (warehouse, runs, store) and the clean-up of what killed processes leave.

:mod:`zhizao.backup.snapshot` does the work; :mod:`zhizao.backup.cli` adds ``zhizao backup`` and
``zhizao restore``.
"""
