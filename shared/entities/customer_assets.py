"""Customer Asset: FS `msdyn_customerasset` ⇄ SCM Asset management assets (MaintenanceAsset).

Key: company + maintenance asset id. An asset names its parent; no asset may become its own ancestor.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from shared.converters import NULL_DATE, SCM_NULL_DATE
from shared.entities.common import Blankable, Date, FsRecord, Required, ScmRecord, fs_side, scm_side
from shared.references import exists, names, no_cycle
from shared.spec import ContextRule, Direction, EntitySpec, FieldPair, Reference

AssetId = Annotated[str, Field(min_length=1, max_length=20)]
AssetName = Annotated[str, Field(min_length=1, max_length=100)]
Code = Annotated[str, Field(max_length=20)]  # functional location, asset type, serial number
AssetNotes = Annotated[str, Field(max_length=2000)]


def _not_null_date(value: dt.date) -> dt.date:
    if value == SCM_NULL_DATE:
        raise PydanticCustomError("not_null_date", "1900-01-01 is SCM's empty date: send no date instead")
    return value


def _null_date_if_none(value: object) -> object:
    return SCM_NULL_DATE if value is None or (isinstance(value, str) and not value.strip()) else value


# FS leaves an unknown replacement date empty; F&O has no empty date and stores 1900-01-01 instead.
FsDate = Annotated[Date, AfterValidator(_not_null_date)]
ScmDate = Annotated[Date, BeforeValidator(_null_date_if_none)]


class FsCustomerAsset(FsRecord):
    msdyn_maintenanceassetid: AssetId
    msdyn_name: Required[AssetName]
    msdyn_parentasset: Blankable[AssetId] = None
    msdyn_functionallocation: Blankable[Code] = None
    msdyn_customerassetcategory: Blankable[Code] = None
    msdyn_serialid: Blankable[Code] = None
    msdyn_notes: Blankable[AssetNotes] = None
    msdyn_replacementdate: Blankable[FsDate] = None
    msdyn_account: Blankable[Annotated[str, Field(max_length=100)]] = None  # FS only: the customer


class ScmCustomerAsset(ScmRecord):
    MaintenanceAssetId: AssetId
    Name: Required[AssetName]
    ParentMaintenanceAssetId: Blankable[AssetId] = None
    FunctionalLocationId: Blankable[Code] = None
    MaintenanceAssetTypeId: Blankable[Code] = None
    SerialId: Blankable[Code] = None
    Notes: Blankable[AssetNotes] = None
    ReplacementDate: ScmDate = SCM_NULL_DATE


FS = fs_side("msdyn_customerasset", FsCustomerAsset, "msdyn_maintenanceassetid")
SCM = scm_side("MaintenanceAsset", ScmCustomerAsset, "MaintenanceAssetId")
PARENT = "ParentMaintenanceAssetId"

ID = FieldPair("msdyn_maintenanceassetid", "MaintenanceAssetId")
NAME = FieldPair("msdyn_name", "Name")
SERIAL = FieldPair("msdyn_serialid", "SerialId")

SPEC = EntitySpec(
    slug="customer-assets",
    table="CustomerAssets",
    title="Customer Asset",
    fs=FS,
    scm=SCM,
    fields=(
        ID,
        NAME,
        FieldPair("msdyn_parentasset", "ParentMaintenanceAssetId"),
        FieldPair("msdyn_functionallocation", "FunctionalLocationId"),
        FieldPair("msdyn_customerassetcategory", "MaintenanceAssetTypeId"),
        SERIAL,
        FieldPair("msdyn_notes", "Notes"),
        FieldPair("msdyn_replacementdate", "ReplacementDate", converter=NULL_DATE),
        FieldPair("msdyn_account", None, Direction.FS_ONLY),
    ),
    context_rules=(
        # an asset naming itself as parent is a cycle (no_cycle says so), not a missing parent
        ContextRule("parent_exists", PARENT, "scm", exists(SCM, PARENT), names(PARENT)),
        ContextRule("no_cycle", PARENT, "scm", no_cycle(SCM, PARENT), names(PARENT)),
    ),
    references=(Reference("msdyn_parentasset", "ParentMaintenanceAssetId"),),
    search=(NAME, ID, SERIAL),
)
