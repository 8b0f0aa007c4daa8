"""The Tortoise config of the core and every installed plugin, for writing a plugin's migrations:

python -m tortoise -c node.plugins.devconfig.TORTOISE_ORM makemigrations
"""

from node.config import NodeSettings
from node.db import tortoise_config
from node.plugins.manager import PluginHost

_settings = NodeSettings(window_id="dev", name="dev", region_code="110000", plugins_strict=True)
TORTOISE_ORM = tortoise_config("sqlite://:memory:", PluginHost(_settings).load().storage_apps())
