"""Request -> model/service -> template: one blueprint per concern (reading, search, feeds,
structured_data, media, auth, admin, audit, editor/, corrections, sponsors, sponsorship,
inbox), plus what they share: htmx.py (the in-place editing contract), forms.py, access.py
(who may do what), http_cache.py (the request side of the page cache), audit_trail.py,
template_helpers.py (every app-wide template filter and global). See docs/ARCHITECTURE.md.
"""
