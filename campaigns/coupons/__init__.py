"""Personal coupons: codes, issuing, validity and redemption, the order-entry proposal, the printed slip.

Modules: codes (format and check character), offers (what a coupon gives, in words), services (issue, redeem,
expire, cancel), selectors (the card's coupons), hooks (what the purchase entry and import call), proposal (the
order-entry coupon for a regular customer), slip (the small PDF), merge_fields (for letters and e-mails).
"""
