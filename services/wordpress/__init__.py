"""Importing a WordPress export (WXR): reading it, converting bodies, loading them."""
