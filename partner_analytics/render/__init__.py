"""Render reports: execute report notebooks with Papermill and export offline HTML."""
