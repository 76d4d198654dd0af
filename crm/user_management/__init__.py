"""Managing the product's users from inside the product: create, change role, deactivate, reset a password."""
