"""Implementation tracking: municipalities, applicability, target objects, statuses, editions."""
