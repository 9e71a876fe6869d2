"""Running conversation flows with patients: the host side of the pure engine."""
