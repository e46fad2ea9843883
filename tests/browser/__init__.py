"""The dashboard page in a real browser (a package, so its conftest has its own name)."""
