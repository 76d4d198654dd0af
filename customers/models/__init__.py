"""Customer master (customers, contacts, touchpoints) and purchase history (products, purchases, summaries)."""
from .customer import Contact, Customer, Tag, Touchpoint
from .duplicates import DuplicateCandidate, DuplicatePairDecision
from .imports import ImportBatch
from .inquiry import Inquiry
from .maintenance import (
    CustomerMerge,
    CustomerRetirement,
    DeletionRequest,
    ReviewFlag,
    ReviewRule,
    WorklistTally,
)
from .purchase import CustomerPurchaseSummary, MarketEvent, PriceChange, Product, Purchase

__all__ = [
    "Contact",
    "Customer",
    "CustomerMerge",
    "CustomerPurchaseSummary",
    "CustomerRetirement",
    "DeletionRequest",
    "DuplicateCandidate",
    "DuplicatePairDecision",
    "ImportBatch",
    "Inquiry",
    "MarketEvent",
    "PriceChange",
    "Product",
    "Purchase",
    "ReviewFlag",
    "ReviewRule",
    "Tag",
    "Touchpoint",
    "WorklistTally",
]
