"""Exports (charts, tables, share links). No dash import; filled in by the exports issue."""
