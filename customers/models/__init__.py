"""Customer master (customers, contacts, touchpoints) and purchase history (products, purchases, summaries)."""
from .customer import Contact, Customer, Tag, Touchpoint
from .imports import ImportBatch
from .inquiry import Inquiry
from .purchase import CustomerPurchaseSummary, MarketEvent, PriceChange, Product, Purchase

__all__ = [
    "Contact",
    "Customer",
    "CustomerPurchaseSummary",
    "ImportBatch",
    "Inquiry",
    "MarketEvent",
    "PriceChange",
    "Product",
    "Purchase",
    "Tag",
    "Touchpoint",
]
