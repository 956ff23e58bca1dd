"""Customer Asset: FS `msdyn_customerasset` ⇄ SCM Asset management assets (MaintenanceAsset).

Key: company + maintenance asset id. An asset names its parent; no asset may become its own ancestor.
Fields as Microsoft's dual-write template "Asset management assets (msdyn_customerassets)" maps them.
Text sizes: F&O's PurchId 20, VendAccount 20, WrkCtrId 10, AssetId 20, AssetModelYear 10; the asset
management ids (asset, type, model, ...) and FS's plain texts are the project's choice (20, 100).
"""

from __future__ import annotations

from typing import Annotated

from shared.converters import NULL_DATE, SCM_NULL_DATE
from shared.entities.common import (
    GUID_NOTE,
    Amount,
    Blankable,
    FsDate,
    FsRecord,
    Guid,
    Length,
    Memo,
    Required,
    ScmDate,
    ScmRecord,
    Text10,
    Text20,
    Text100,
    fs_side,
    scm_side,
)
from shared.entities.references import exists, names, no_cycle
from shared.entities.spec import ContextRule, Direction, EntitySpec, FieldPair, Reference

AssetId = Annotated[str, Length(1, 20)]  # also the type, model, manufacturer, ... an asset looks up
AssetName = Annotated[str, Length(1, 100)]
Code = Blankable[AssetId]


class FsCustomerAsset(FsRecord):
    msdyn_maintenanceassetid: AssetId
    msdyn_name: Required[AssetName]
    msdyn_parentasset: Code = None
    msdyn_functionallocation: Code = None
    msdyn_customerassetcategory: Code = None
    msdyn_assetlifecyclestate: Code = None
    msdyn_model: Code = None
    msdyn_manufacturer: Code = None
    msdyn_warranty: Code = None
    msdyn_modelyear: Text100 = None
    msdyn_serialid: Text100 = None
    msdyn_notes: Memo = None
    msdyn_acquisitioncost: Amount | None = None
    msdyn_acquisitiondate: FsDate = None
    msdyn_activefrom: FsDate = None
    msdyn_activeto: FsDate = None
    msdyn_replacementdate: FsDate = None
    msdyn_replacementvalue: Amount | None = None
    msdyn_warrantydatefromvend: FsDate = None
    msdyn_purchaseorderid: Text100 = None
    msdyn_vendaccount: Text100 = None
    msdyn_wrkctrid: Text100 = None
    msdyn_fixedassetid: Text100 = None
    msdyn_account: Text100 = None  # FS only: the customer
    msdyn_customerassetid: Guid = None  # FS only


class ScmCustomerAsset(ScmRecord):
    MaintenanceAssetId: AssetId
    Name: Required[AssetName]
    ParentMaintenanceAssetId: Code = None
    FunctionalLocationId: Code = None
    MaintenanceAssetTypeId: Required[AssetId]  # F&O refuses an asset without a type
    MaintenanceAssetLifecycleStateId: Code = None
    ModelId: Code = None
    ModelProductId: Code = None  # SCM only: the model's manufacturer
    ProductId: Code = None
    WarrantyId: Code = None
    ModelYear: Text10 = None
    SerialId: Text20 = None
    Notes: Memo = None
    AcquisitionCost: Amount | None = None
    AcquisitionDate: ScmDate = SCM_NULL_DATE
    ActiveFrom: ScmDate = SCM_NULL_DATE
    ActiveTo: ScmDate = SCM_NULL_DATE
    ReplacementDate: ScmDate = SCM_NULL_DATE
    ReplacementValue: Amount | None = None
    WarrantyDateFromVend: ScmDate = SCM_NULL_DATE
    PurchaseOrderId: Text20 = None
    VendAccount: Text20 = None
    WrkCtrId: Text10 = None
    FixedAssetId: Text20 = None


FS = fs_side("msdyn_customerasset", FsCustomerAsset, "msdyn_maintenanceassetid")
SCM = scm_side("MaintenanceAsset", ScmCustomerAsset, "MaintenanceAssetId")
PARENT = "ParentMaintenanceAssetId"

ID = FieldPair("msdyn_maintenanceassetid", "MaintenanceAssetId")
NAME = FieldPair("msdyn_name", "Name")
SERIAL = FieldPair("msdyn_serialid", "SerialId")


def _date(fs: str, scm: str, note: str = "the template maps it `=` (project rule)") -> FieldPair:
    return FieldPair(fs, scm, converter=NULL_DATE, note=note)


SPEC = EntitySpec(
    slug="customer-assets",
    table="CustomerAssets",
    title="Customer Asset",
    fs=FS,
    scm=SCM,
    fields=(
        ID,
        NAME,
        FieldPair(
            "msdyn_parentasset",
            PARENT,
            lookup="msdyn_maintenanceassetid",
            note="an asset of the same company; **no asset becomes its own ancestor** at any depth",
        ),
        FieldPair("msdyn_functionallocation", "FunctionalLocationId", lookup="msdyn_functionallocation_id"),
        FieldPair(
            "msdyn_customerassetcategory",
            "MaintenanceAssetTypeId",
            lookup="msdyn_maintenanceassettypeid",
            note="the asset type: an asset from FS without a category fails with SCM's reason",
        ),
        FieldPair(
            "msdyn_assetlifecyclestate", "MaintenanceAssetLifecycleStateId", lookup="msdyn_assetlifecyclestate_id"
        ),
        FieldPair("msdyn_model", "ModelId", lookup="msdyn_model_id"),
        FieldPair(
            None,
            "ModelProductId",
            Direction.SCM_ONLY,
            note="the model's manufacturer: in FS a column of the model row (`msdyn_model.msdyn_manufacturer`), "
            "not of the asset; kept when FS updates the asset",
        ),
        FieldPair("msdyn_manufacturer", "ProductId", lookup="msdyn_manufacturer_id"),
        FieldPair("msdyn_warranty", "WarrantyId", lookup="msdyn_warranty_id"),
        FieldPair("msdyn_modelyear", "ModelYear"),
        SERIAL,
        FieldPair("msdyn_notes", "Notes"),
        FieldPair("msdyn_acquisitioncost", "AcquisitionCost"),
        _date("msdyn_acquisitiondate", "AcquisitionDate"),
        _date("msdyn_activefrom", "ActiveFrom"),
        _date("msdyn_activeto", "ActiveTo"),
        _date("msdyn_replacementdate", "ReplacementDate", note=""),
        FieldPair("msdyn_replacementvalue", "ReplacementValue"),
        _date("msdyn_warrantydatefromvend", "WarrantyDateFromVend"),
        FieldPair("msdyn_purchaseorderid", "PurchaseOrderId"),
        FieldPair("msdyn_vendaccount", "VendAccount"),
        FieldPair("msdyn_wrkctrid", "WrkCtrId"),
        FieldPair("msdyn_fixedassetid", "FixedAssetId"),
        FieldPair(
            "msdyn_account",
            None,
            Direction.FS_ONLY,
            note="the customer; never sent to SCM, **kept when SCM updates the asset**",
        ),
        FieldPair("msdyn_customerassetid", None, Direction.FS_ONLY, note=GUID_NOTE),
    ),
    context_rules=(
        # an asset naming itself as parent is a cycle (no_cycle says so), not a missing parent
        ContextRule("parent_exists", PARENT, "scm", exists(SCM, PARENT), names(PARENT)),
        ContextRule("no_cycle", PARENT, "scm", no_cycle(SCM, PARENT), names(PARENT)),
    ),
    references=(Reference("msdyn_parentasset", PARENT),),
    search=(NAME, ID, SERIAL),
)
