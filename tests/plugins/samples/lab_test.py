"""Namespace `lab_test`: its types start with `LabTest`, as they must."""

import strawberry

from node.plugins import api


@strawberry.type
class LabTestQuery:
    @strawberry.field
    def ready(self) -> bool:
        return True


@api.hookimpl
def smenet_query() -> type:
    return LabTestQuery
