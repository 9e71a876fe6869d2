"""Routing: what each inbound message leads to, whatever channel brought it."""
