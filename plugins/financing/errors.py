"""Error codes of the financing plugin, each refining one of the node's errors:

InputError (BAD_INPUT)
├── ProductNotEligible       FINANCING_PRODUCT_NOT_ELIGIBLE      (extensions: reasons)
└── ApprovalExceedsRequest   FINANCING_APPROVAL_EXCEEDS_REQUEST
Conflict (CONFLICT)
├── ProductRetired           FINANCING_PRODUCT_RETIRED
└── CoreDemandTaken          FINANCING_CORE_DEMAND_TAKEN
"""

from __future__ import annotations

from node.plugins import api


class ProductNotEligible(api.InputError):
    """A demand matched to a product it does not meet; ``reasons`` says which criteria fail."""

    code = "FINANCING_PRODUCT_NOT_ELIGIBLE"


class ApprovalExceedsRequest(api.InputError):
    code = "FINANCING_APPROVAL_EXCEEDS_REQUEST"


class ProductRetired(api.Conflict):
    code = "FINANCING_PRODUCT_RETIRED"


class CoreDemandTaken(api.Conflict):
    """The core demand was already taken in as a financing demand."""

    code = "FINANCING_CORE_DEMAND_TAKEN"
