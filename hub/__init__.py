"""The hub: window registry and onboarding, users and audit; it imports ``federation`` only."""
