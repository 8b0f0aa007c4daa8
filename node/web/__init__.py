"""Small HTML pages the node serves to enterprises without an account (no JavaScript needed)."""
