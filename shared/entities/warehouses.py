"""Warehouse: FS `msdyn_warehouse` ⇄ SCM Warehouses (InventWarehouseEntity). Key: company + warehouse id."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shared.converters import YES_NO, value_map
from shared.entities.common import (
    FS_OPTION_BASE,
    Blankable,
    FsRecord,
    Latitude,
    Longitude,
    Required,
    ScmRecord,
    YesNo,
    fs_side,
    scm_side,
)
from shared.references import exists, is_kind, keeps_kind, names
from shared.spec import ContextRule, Direction, EntitySpec, FieldPair, Reference

# F&O enum InventLocationType; FS option value = 192350000 + the F&O enum value (project's choice).
WAREHOUSE_TYPES = {"Standard": 0, "Quarantine": 1, "Transit": 2}
WAREHOUSE_TYPE = value_map("warehouse_type", {FS_OPTION_BASE + value: name for name, value in WAREHOUSE_TYPES.items()})
FsWarehouseType = Literal[192350000, 192350001, 192350002]
ScmWarehouseType = Literal["Standard", "Quarantine", "Transit"]

FsText = Annotated[str, Field(max_length=100)]
WarehouseCode = Annotated[str, Field(min_length=1, max_length=10)]
SiteId = Annotated[str, Field(min_length=1, max_length=10)]


class FsWarehouse(FsRecord):
    msdyn_warehouseidentifier: WarehouseCode
    msdyn_name: FsText | None = None  # filled from the id; whatever FS sends is replaced
    msdyn_description: Blankable[Annotated[str, Field(max_length=2000)]] = None
    msdyn_operationalsite: Blankable[SiteId] = None
    msdyn_warehousetype: FsWarehouseType | None = None
    msdyn_quarantinewarehouse: Blankable[WarehouseCode] = None
    msdyn_transitwarehouse: Blankable[WarehouseCode] = None
    msdyn_mainrefillingwarehouse: Blankable[WarehouseCode] = None
    msdyn_primaryaddresscity: Blankable[FsText] = None
    msdyn_primaryaddressstreet: Blankable[Annotated[str, Field(max_length=250)]] = None
    msdyn_primaryaddresspostalcode: Blankable[Annotated[str, Field(max_length=20)]] = None
    msdyn_primaryaddresscountryregion: Blankable[FsText] = None
    msdyn_latitude: Latitude | None = None
    msdyn_longitude: Longitude | None = None
    msdyn_useadvancedwarehousemanagementprocesses: bool | None = None


class ScmWarehouse(ScmRecord):
    WarehouseId: WarehouseCode
    WarehouseName: Blankable[Annotated[str, Field(max_length=60)]] = None
    OperationalSiteId: Required[SiteId]  # SCM refuses a warehouse without a site
    WarehouseType: ScmWarehouseType | None = None
    QuarantineWarehouseId: Blankable[WarehouseCode] = None
    TransitWarehouseId: Blankable[WarehouseCode] = None
    MainRefillingWarehouseId: Blankable[WarehouseCode] = None
    PrimaryAddressCity: Blankable[Annotated[str, Field(max_length=60)]] = None
    PrimaryAddressStreet: Blankable[Annotated[str, Field(max_length=250)]] = None
    PrimaryAddressZipCode: Blankable[Annotated[str, Field(max_length=10)]] = None
    PrimaryAddressCountryRegionId: Blankable[Annotated[str, Field(max_length=10)]] = None
    PrimaryAddressLatitude: Latitude | None = None
    PrimaryAddressLongitude: Longitude | None = None
    AreAdvancedWarehouseManagementProcessesEnabled: YesNo | None = None


FS = fs_side("msdyn_warehouse", FsWarehouse, "msdyn_warehouseidentifier")
SCM = scm_side("InventWarehouseEntity", ScmWarehouse, "WarehouseId")

LATITUDE = FieldPair("msdyn_latitude", "PrimaryAddressLatitude")
LONGITUDE = FieldPair("msdyn_longitude", "PrimaryAddressLongitude")
IS_QUARANTINE, IS_TRANSIT = ("WarehouseType", "Quarantine"), ("WarehouseType", "Transit")

SPEC = EntitySpec(
    slug="warehouses",
    table="Warehouses",
    title="Warehouse",
    fs=FS,
    scm=SCM,
    fields=(
        FieldPair("msdyn_warehouseidentifier", "WarehouseId"),
        FieldPair("msdyn_name", "WarehouseId", Direction.TO_FS),
        FieldPair("msdyn_description", "WarehouseName"),
        FieldPair("msdyn_operationalsite", "OperationalSiteId"),
        FieldPair("msdyn_warehousetype", "WarehouseType", converter=WAREHOUSE_TYPE),
        FieldPair("msdyn_quarantinewarehouse", "QuarantineWarehouseId"),
        FieldPair("msdyn_transitwarehouse", "TransitWarehouseId"),
        FieldPair("msdyn_mainrefillingwarehouse", "MainRefillingWarehouseId"),
        FieldPair("msdyn_primaryaddresscity", "PrimaryAddressCity"),
        FieldPair("msdyn_primaryaddressstreet", "PrimaryAddressStreet"),
        FieldPair("msdyn_primaryaddresspostalcode", "PrimaryAddressZipCode"),
        FieldPair("msdyn_primaryaddresscountryregion", "PrimaryAddressCountryRegionId"),
        LATITUDE,
        LONGITUDE,
        FieldPair(
            "msdyn_useadvancedwarehousemanagementprocesses",
            "AreAdvancedWarehouseManagementProcessesEnabled",
            converter=YES_NO,
        ),
    ),
    context_rules=(
        ContextRule(
            "quarantine_warehouse",
            "QuarantineWarehouseId",
            "scm",
            exists(SCM, "QuarantineWarehouseId", IS_QUARANTINE),
            names("QuarantineWarehouseId"),
        ),
        ContextRule(
            "transit_warehouse",
            "TransitWarehouseId",
            "scm",
            exists(SCM, "TransitWarehouseId", IS_TRANSIT),
            names("TransitWarehouseId"),
        ),
        ContextRule(
            "main_refilling_warehouse",
            "MainRefillingWarehouseId",
            "scm",
            exists(SCM, "MainRefillingWarehouseId", itself=False),
            names("MainRefillingWarehouseId"),
        ),
        ContextRule(
            "stays_quarantine",
            "WarehouseType",
            "scm",
            keeps_kind(SCM, ("QuarantineWarehouseId",), IS_QUARANTINE),
            is_kind(IS_QUARANTINE),
        ),
        ContextRule(
            "stays_transit",
            "WarehouseType",
            "scm",
            keeps_kind(SCM, ("TransitWarehouseId",), IS_TRANSIT),
            is_kind(IS_TRANSIT),
        ),
    ),
    references=(
        Reference("msdyn_quarantinewarehouse", "QuarantineWarehouseId"),
        Reference("msdyn_transitwarehouse", "TransitWarehouseId"),
        Reference("msdyn_mainrefillingwarehouse", "MainRefillingWarehouseId"),
    ),
    geo=(LATITUDE, LONGITUDE),
)
