"""Duplicate detection: blocking in SQL, scoring with rapidfuzz, one engine for every "is this someone we know?".

engine.find_duplicates (all customers), engine.matches_for (one record typed in), import_check (an import file),
services (the review queue's decisions and the stored candidates), export (the CSV of find_duplicates).
"""
