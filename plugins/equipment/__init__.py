"""设备共享 equipment sharing: the shared instruments of a window and its agencies, booked by
the hour; a session that took place becomes a core service record."""

from __future__ import annotations

from typing import Any

from node.plugins import api
from plugins.equipment import domain, schema
from plugins.equipment.config import EquipmentConfig

NAMESPACE = "equipment"


@api.hookimpl
def smenet_config() -> type[EquipmentConfig]:
    return EquipmentConfig


@api.hookimpl
def smenet_models() -> api.Storage:
    return api.Storage(models="plugins.equipment.models", migrations="plugins.equipment.migrations")


@api.hookimpl
def smenet_query() -> type:
    return schema.EquipmentQuery


@api.hookimpl
def smenet_mutation(config: EquipmentConfig) -> type:
    return schema.mutation_type(config)


@api.hookimpl
def smenet_stats() -> type:
    return schema.EquipmentStats


@api.hookimpl
def smenet_service_tags(service: Any) -> list[str]:
    return domain.service_tags(service.category)
