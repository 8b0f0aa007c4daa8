"""Event handlers that log each event they handle to a file. Two instances register (entry points
``recorder_a`` and ``recorder_b``); each hangs while the file named by its ``hold_file`` setting
exists, so a test can stop the node with an event handled by one and not the other."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from node.plugins import api


@dataclass
class Settings:
    log_file: str = ""
    hold_file: str = ""


class Recorder:
    def __init__(self, name: str) -> None:
        self.name = name

    @api.hookimpl
    def smenet_config(self) -> type[Settings]:
        return Settings

    @api.hookimpl
    async def smenet_event(self, event: api.Event, config: Settings) -> None:
        while config.hold_file and Path(config.hold_file).exists():
            await asyncio.sleep(0.05)
        with open(config.log_file, "a", encoding="utf-8") as log:
            log.write(f"{self.name} {event.kind} {event.subject_id}\n")


RECORDER_A = Recorder("recorder_a")
RECORDER_B = Recorder("recorder_b")
