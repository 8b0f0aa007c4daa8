"""``smenet plugins new NAME``: a plugin package that installs and passes its own test."""

from __future__ import annotations

from pathlib import Path
from string import Template

from node.plugins.manager import type_prefix

FILES = Path(__file__).with_name("skeleton_files")


def write_skeleton(target: Path, name: str) -> list[Path]:
    """Write the plugin ``name`` into ``target``; its package is ``smenet_<name>``."""
    package = f"smenet_{name}"
    values = {
        "name": name,
        "package": package,
        "dist": f"smenet-{name.replace('_', '-')}",
        "prefix": type_prefix(name),
        "upper": name.upper(),
    }
    rendered: dict[Path, str] = {}
    for source in sorted(FILES.rglob("*.tmpl")):
        relative = source.relative_to(FILES).with_suffix("")
        parts = [package if p == "package" else p for p in relative.parts]
        if parts[-1] == "test_plugin.py":
            parts[-1] = f"test_{name}.py"
        text = Template(source.read_text(encoding="utf-8")).substitute(values)
        rendered[target.joinpath(*parts)] = text
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(rendered)
