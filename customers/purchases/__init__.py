"""Purchase history: parsing messy spreadsheet values, the importer, per-customer summaries, screens.

Modules: parsing (dates incl. Japanese eras, amounts, quantities), importer (validate-first, set-based
import with COPY on PostgreSQL), summary (CustomerPurchaseSummary maintenance), services / selectors,
forms, filters, views and urls (mounted in customers.urls without an app_name of their own).
"""
