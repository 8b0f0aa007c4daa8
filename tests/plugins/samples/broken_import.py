"""A plugin that fails on import."""

import smenet_no_such_module  # noqa: F401
