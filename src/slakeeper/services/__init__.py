"""Use cases: the only layer that joins the core with files, storage and the outside world."""
