"""Namespace `lab`, whose type takes the prefix of the `lab_test` plugin (`LabTest…`)."""

import strawberry

from node.plugins import api


@strawberry.type
class LabTestResult:
    value: int


@strawberry.type
class LabQuery:
    @strawberry.field
    def result(self) -> LabTestResult:
        return LabTestResult(value=1)


@api.hookimpl
def smenet_query() -> type:
    return LabQuery
