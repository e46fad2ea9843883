"""Layer 4: report files. ``writer`` holds ``write_report`` (CSVs and PNG charts); ``csvfiles``
writes one CSV for people (atomic, formula-safe, optional Excel dialect)."""
