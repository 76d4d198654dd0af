"""The public inquiry form: spam limits (services) and its URLs, mounted at /inquiry/ by config.urls."""
