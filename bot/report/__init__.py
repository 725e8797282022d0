"""The monthly outreach report: figures from SQL aggregation, then a workbook, a Word report,
charts and a console page built from the same figures."""
