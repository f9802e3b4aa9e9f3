"""Scenarios: named scenario specs in immutable versions, their designer, import and export."""
