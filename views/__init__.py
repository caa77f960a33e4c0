"""Blueprints, one per concern: reading, sponsorship, (later) auth, editor, inbox."""
