"""Layer 4: report files. ``writer`` holds ``write_report`` (CSVs, PNG charts, and on request
``report.xlsx`` and ``report.html``); ``csvfiles`` writes one CSV for people (atomic,
formula-safe, optional Excel dialect); ``workbook`` the Excel workbook (XlsxWriter, typed cells,
native charts); ``html`` the one-file page; ``summary`` the first page of both; ``charts`` the
chart registry; ``swap`` replaces a whole report at once."""
