"""Views of the customer master, one module per screen family. Thin: permission check, service/selector, render."""
from .activity import contact_add, contact_edit, touchpoint_add
from .customers import customer_create, customer_detail, customer_edit, customer_list, phone_lookup
from .exports import customer_export_view
from .imports import import_cancel, import_confirm, import_detail, import_rejected, import_upload
from .inquiry import inquiry_form, inquiry_thanks

__all__ = [
    "contact_add",
    "contact_edit",
    "customer_create",
    "customer_detail",
    "customer_edit",
    "customer_export_view",
    "customer_list",
    "import_cancel",
    "import_confirm",
    "import_detail",
    "import_rejected",
    "import_upload",
    "inquiry_form",
    "inquiry_thanks",
    "phone_lookup",
    "touchpoint_add",
]
