"""List maintenance (issue 17): retirement, merge and its undo, worklists, review rules, deletion requests.

Services are re-exported from customers.services; normalization and duplicate detection live in
customers.normalize and customers.duplicates.
"""
