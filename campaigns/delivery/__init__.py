"""Delivery: campaign steps reach customers on paper (print-ready letter batches) and by e-mail (the outbox).

- merge: the merge-field registry (company, contact, rep, last product, reason paragraph, coupon …)
- outbox, sending: the e-mail channel (queue, claim, send over one SMTP connection, exactly once)
- mail: rendering one message (subject, text, HTML, tracked links, List-Unsubscribe headers)
- tracking: signed tokens, unsubscribe (consent withdrawal), clicks, opens, bounces (suppression)
- letters, pdf: the DM channel (letter batches, WeasyPrint letters, address labels, cover sheet)
- hot_leads: customers who clicked, for the reps
See docs/delivery.md.
"""
