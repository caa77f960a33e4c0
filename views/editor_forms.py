"""Moved to views.editor.forms (the forms) and views.forms (Cleaned, cleaned, EmptyForm).

Kept only for tests/e2e/test_hostile_input_browser.py, which imports BLOCK_EDITORS from
here; delete this module once it imports from views.editor.forms.
"""

from views.editor.forms import BLOCK_EDITORS

__all__ = ["BLOCK_EDITORS"]
