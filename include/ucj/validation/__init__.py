"""One validation and quarantine mechanism that every source reuses."""
