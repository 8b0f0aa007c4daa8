"""The plugin API of a window node (DESIGN §5): ``hookspecs`` (the hooks), ``api`` (what a plugin
may import), ``manager`` (loading and calling plugins), ``dispatch`` (domain events to plugins)."""
