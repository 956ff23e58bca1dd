"""Warehouse: FS `msdyn_warehouse` ⇄ SCM Warehouses (InventWarehouseEntity). Key: company + warehouse id.

Fields and option values as Microsoft's dual-write template "Warehouses (msdyn_warehouses)" maps them.
Text sizes: F&O's extended data types (InventLocationId 10, Name 60, InventSiteId 10, the Logistics
address types); FS sizes the template does not give are the project's choice (Dataverse's default 100).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import model_validator

from shared.converters import YES_NO, option_map
from shared.entities.common import (
    GUID_NOTE,
    Blankable,
    FsRecord,
    Guid,
    Latitude,
    Length,
    Longitude,
    Memo,
    OptionValue,
    Required,
    ScmRecord,
    Text10,
    Text20,
    Text60,
    Text100,
    Text250,
    YesNo,
    by_name,
    fs_side,
    no_position,
    scm_side,
    with_options,
)
from shared.entities.references import exists, is_kind, keeps_kind, names
from shared.entities.spec import ContextRule, Direction, EntitySpec, FieldPair, Foreign, Reference

# Dataverse option set msdyn_warehousetype ⇄ F&O enum InventLocationType, value for value
WarehouseTypeValue = Literal[192350000, 192350001, 192350002, 192350003, 192350004, 192350005]
WarehouseTypeName = Literal["GoodsInRoute_RU", "Transit", "Quarantine", "Standard", "ITMGIT", "ITMUnder"]
WAREHOUSE_TYPE = option_map("warehouse_type", WarehouseTypeValue, WarehouseTypeName)
FsWarehouseType = Annotated[WarehouseTypeValue, OptionValue]
ScmWarehouseType = Annotated[WarehouseTypeName, by_name(WarehouseTypeName)]

WarehouseCode = Annotated[str, Length(1, 10)]  # InventLocationId; also the lookups of other warehouses
SiteId = Annotated[str, Length(1, 10)]  # InventSiteId: a site of the warehouse's company (sites.py)

LATITUDE, LONGITUDE = "PrimaryAddressLatitude", "PrimaryAddressLongitude"
FS_LATITUDE, FS_LONGITUDE = "msdyn_primaryaddresslatitude", "msdyn_primaryaddresslongitude"


class _FsWarehouse(FsRecord):
    msdyn_warehouseidentifier: WarehouseCode
    msdyn_name: Annotated[str, Length(max=100)] | None = None  # filled from the id; whatever FS sends is replaced
    msdyn_description: Memo = None
    msdyn_operationalsite: Blankable[SiteId] = None
    msdyn_warehousetype: FsWarehouseType | None = None
    msdyn_quarantinewarehouse: Blankable[WarehouseCode] = None
    msdyn_transitwarehouse: Blankable[WarehouseCode] = None
    msdyn_mainrefillingwarehouse: Blankable[WarehouseCode] = None
    msdyn_primaryaddressdescription: Text100 = None
    msdyn_primaryaddressstreet: Text250 = None
    msdyn_primaryaddressstreetnumber: Text100 = None
    msdyn_primaryaddressbuildingcompliment: Text100 = None
    msdyn_primaryaddresspostbox: Text100 = None
    msdyn_primaryaddresscity: Text100 = None
    msdyn_primaryaddressdistrictname: Text100 = None
    msdyn_primaryaddresscountyid: Text100 = None
    msdyn_primaryaddressstateid: Text100 = None
    msdyn_primaryaddresszipcode: Text20 = None
    msdyn_primaryaddresscountryregionid: Text100 = None
    msdyn_primaryaddresslatitude: Latitude | None = None
    msdyn_primaryaddresslongitude: Longitude | None = None
    msdyn_warehouseid: Guid = None  # FS only
    zero_is_no_position = model_validator(mode="before")(no_position(FS_LATITUDE, FS_LONGITUDE))


class _ScmWarehouse(ScmRecord):
    WarehouseId: WarehouseCode
    WarehouseName: Text60 = None
    OperationalSiteId: Required[SiteId]  # SCM refuses a warehouse without a site
    WarehouseType: ScmWarehouseType | None = None
    QuarantineWarehouseId: Blankable[WarehouseCode] = None
    TransitWarehouseId: Blankable[WarehouseCode] = None
    MainRefillingWarehouseId: Blankable[WarehouseCode] = None
    PrimaryAddressDescription: Text60 = None
    PrimaryAddressStreet: Text250 = None
    PrimaryAddressStreetNumber: Text20 = None
    PrimaryAddressBuildingCompliment: Text60 = None
    PrimaryAddressPostBox: Text20 = None
    PrimaryAddressCity: Text60 = None
    PrimaryAddressDistrictName: Text60 = None
    PrimaryAddressCountyId: Text10 = None
    PrimaryAddressStateId: Text10 = None
    PrimaryAddressZipCode: Text10 = None
    PrimaryAddressCountryRegionId: Text10 = None
    PrimaryAddressLatitude: Latitude | None = None
    PrimaryAddressLongitude: Longitude | None = None
    zero_is_no_position = model_validator(mode="before")(no_position(LATITUDE, LONGITUDE))


# The template's Yes/No options: FS two-option column ⇄ F&O NoYes enum, all optional.
FLAGS = (
    ("msdyn_useadvancedwarehousemanagementprocesses", "AreAdvancedWarehouseManagementProcessesEnabled"),
    ("msdyn_isprimaryaddressassigned", "IsPrimaryAddressAssigned"),
    ("msdyn_areitemscoverageplannedmanually", "AreItemsCoveragePlannedManually"),
    ("msdyn_arelaborstandardsallowed", "AreLaborStandardsAllowed"),
    ("msdyn_arewarehouselocationcheckdigitsunique", "AreWarehouseLocationCheckDigitsUnique"),
    ("msdyn_isfallbackwarehouse", "IsFallbackWarehouse"),
    ("msdyn_financialnegativestoreinventoryallowed", "IsFinancialNegativeRetailStoreInventoryAllowed"),
    ("msdyn_palletmovementduringcyclecountingallowed", "IsPalletMovementDuringCycleCountingAllowed"),
    ("msdyn_physicalnegativestoreinventoryallowed", "IsPhysicalNegativeRetailStoreInventoryAllowed"),
    ("msdyn_isrefilledfrommainwarehouse", "IsRefilledFromMainWarehouse"),
    ("msdyn_isretailstorewarehouse", "IsRetailStoreWarehouse"),
    ("msdyn_shouldwarehouselocationincludeaisleid", "ShouldWarehouseLocationIdIncludeAisleId"),
    ("msdyn_arepickinglistsdeliverymodespecific", "ArePickingListsDeliveryModeSpecific"),
    ("msdyn_arepickinglistshipmentspecificonly", "ArePickingListsShipmentSpecificOnly"),
    ("msdyn_printbillofladingbeforeshipconfirmation", "IsBillOfLadingPrintingBeforeShipmentConfirmationEnabled"),
    ("msdyn_willautomaticloadreleaseinventory", "WillAutomaticLoadReleaseReserveInventory"),
    ("msdyn_willinventorystatuschangeremoveblocking", "WillInventoryStatusChangeRemoveBlocking"),
    ("msdyn_willmanualloadreleasereserveinventory", "WillManualLoadReleaseReserveInventory"),
    ("msdyn_willorderreleasingconsolidateshipments", "WillOrderReleasingConsolidateShipments"),
    ("msdyn_productionbomsreservewarehouselevel", "WillProductionBomsReserveWarehouseLevelOnly"),
    ("msdyn_shippingcanceldecrementloadquantity", "WillShippingCancellationDecrementLoadQuanity"),
    ("msdyn_warehouselocationidincludeblindid", "WillWarehouseLocationIdIncludeBinIdByDefault"),
    ("msdyn_warehouselocationincluderackidbydefault", "WillWarehouseLocationIdIncludeRackIdByDefault"),
    ("msdyn_warehouselocationidincludeshelfid", "WillWarehouseLocationIdIncludeShelfIdByDefault"),
)
FsWarehouse = with_options(_FsWarehouse, (fs for fs, _ in FLAGS), bool)
ScmWarehouse = with_options(_ScmWarehouse, (scm for _, scm in FLAGS), YesNo)

FS = fs_side("msdyn_warehouse", FsWarehouse, "msdyn_warehouseidentifier")
SCM = scm_side("InventWarehouseEntity", ScmWarehouse, "WarehouseId")

GEO = (
    FieldPair(FS_LATITUDE, LATITUDE, note="0, 0 from either side is no position: empty on both (project rule)"),
    FieldPair(FS_LONGITUDE, LONGITUDE, note="0, 0 is no position, as above; left out of `near=` lists"),
)
IS_QUARANTINE, IS_TRANSIT = ("WarehouseType", "Quarantine"), ("WarehouseType", "Transit")
SAME_COMPANY = "a warehouse of the same company"

SPEC = EntitySpec(
    slug="warehouses",
    table="Warehouses",
    title="Warehouse",
    fs=FS,
    scm=SCM,
    fields=(
        FieldPair("msdyn_warehouseidentifier", "WarehouseId"),
        FieldPair("msdyn_name", "WarehouseId", Direction.TO_FS, note="filled from the id on every write"),
        FieldPair("msdyn_description", "WarehouseName"),
        FieldPair(
            "msdyn_operationalsite",
            "OperationalSiteId",
            lookup="msdyn_siteid",
            note="a warehouse from FS without a site fails with SCM's reason",
        ),
        FieldPair(
            "msdyn_warehousetype",
            "WarehouseType",
            converter=WAREHOUSE_TYPE,
            note="empty = not set (neither Quarantine nor Transit)",
        ),
        FieldPair(
            "msdyn_quarantinewarehouse",
            "QuarantineWarehouseId",
            lookup="msdyn_warehouseidentifier",
            note=f"{SAME_COMPANY} **of type Quarantine** (project rule)",
        ),
        FieldPair(
            "msdyn_transitwarehouse",
            "TransitWarehouseId",
            lookup="msdyn_warehouseidentifier",
            note=f"{SAME_COMPANY} **of type Transit** (project rule)",
        ),
        FieldPair(
            "msdyn_mainrefillingwarehouse",
            "MainRefillingWarehouseId",
            lookup="msdyn_warehouseidentifier",
            note="another warehouse of the same company",
        ),
        FieldPair("msdyn_primaryaddressdescription", "PrimaryAddressDescription"),
        FieldPair("msdyn_primaryaddressstreet", "PrimaryAddressStreet"),
        FieldPair("msdyn_primaryaddressstreetnumber", "PrimaryAddressStreetNumber"),
        FieldPair("msdyn_primaryaddressbuildingcompliment", "PrimaryAddressBuildingCompliment"),
        FieldPair("msdyn_primaryaddresspostbox", "PrimaryAddressPostBox"),
        FieldPair("msdyn_primaryaddresscity", "PrimaryAddressCity"),
        FieldPair("msdyn_primaryaddressdistrictname", "PrimaryAddressDistrictName"),
        FieldPair("msdyn_primaryaddresscountyid", "PrimaryAddressCountyId"),
        FieldPair("msdyn_primaryaddressstateid", "PrimaryAddressStateId"),
        FieldPair("msdyn_primaryaddresszipcode", "PrimaryAddressZipCode"),
        FieldPair("msdyn_primaryaddresscountryregionid", "PrimaryAddressCountryRegionId"),
        *GEO,
        *(FieldPair(fs, scm, converter=YES_NO) for fs, scm in FLAGS),
        FieldPair("msdyn_warehouseid", None, Direction.FS_ONLY, note=GUID_NOTE),
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
    # the site must exist on each side the warehouse is written to, and stays while a warehouse names it
    foreign=(Foreign("msdyn_operationalsite", "OperationalSiteId", "sites", rule="operational_site"),),
    references=(
        Reference("msdyn_quarantinewarehouse", "QuarantineWarehouseId"),
        Reference("msdyn_transitwarehouse", "TransitWarehouseId"),
        Reference("msdyn_mainrefillingwarehouse", "MainRefillingWarehouseId"),
    ),
    geo=GEO,
)
