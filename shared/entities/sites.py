"""Site: FS `msdyn_operationalsite` ⇄ SCM Sites (InventOperationalSiteEntity). Key: company + site id.

Fields as Microsoft's dual-write template "Sites to msdyn_operationalsites" maps them, all two-way (`><`).
The template gives F&O's table-style names (SITEID, SITENAME, ...); the OData names below are their
PascalCase forms as F&O's OData service publishes them (collection `OperationalSites`, key `dataAreaId` +
`SiteId`), checked against the Common Data Model's InventOperationalSiteEntity attributes and a documented
OData response of the entity: SiteId, SiteName, DefaultInventoryStatusId, DefaultFinancialDimensionValue,
IsReceivingWarehouseOverrideAllowed (NoYes), TaxBranchCode, FiscalEstablishmentId, the PrimaryAddress*
columns (LocationRoles plural, a text such as "Delivery"; Latitude and Longitude decimals that F&O sends
as 0 when not set), IsPrimaryAddressAssigned (NoYes), FormattedPrimaryAddress and
WillMasterPlannedIntraSiteMovementsUseTransferJournals (NoYes). The entity's SiteTimezone and
OrderEntryDeadlineGroupId are not in the template: not synced (an inbound record may carry them).

Text sizes: F&O's extended data types where known — InventSiteId 10, Name 60, WHSInventStatusId 10,
DimensionDisplayValue 500, TaxBranchCode 20, FiscalEstablishmentId_BR 10, TaxGroup 10 and the Logistics
address types as for warehouses. The Japanese readings (in kana) are sized as the field they read (city 60,
street 250), the location roles 250 and the formatted address 2,000: the project's choice, as are FS's
sizes the template does not give (Dataverse's default 100, as for warehouses).

Warehouses name their site (`msdyn_operationalsite` / `OperationalSiteId`, a `Foreign` reference in
warehouses.py): a site that a warehouse names is not deleted (409).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import model_validator

from shared.converters import YES_NO
from shared.entities.common import (
    GUID_NOTE,
    Blankable,
    FsRecord,
    Guid,
    Latitude,
    Length,
    Longitude,
    Memo,
    ScmRecord,
    Text10,
    Text20,
    Text60,
    Text100,
    Text250,
    YesNo,
    fs_side,
    no_position,
    scm_side,
    with_options,
)
from shared.entities.spec import Direction, EntitySpec, FieldPair

SiteId = Annotated[str, Length(1, 10)]  # InventSiteId; a warehouse's site is one too
Text500 = Blankable[Annotated[str, Length(max=500)]]  # DimensionDisplayValue

LATITUDE, LONGITUDE = "PrimaryAddressLatitude", "PrimaryAddressLongitude"
FS_LATITUDE, FS_LONGITUDE = "msdyn_primaryaddresslatitude", "msdyn_primaryaddresslongitude"


class _FsSite(FsRecord):
    msdyn_siteid: SiteId
    msdyn_sitename: Text100 = None
    msdyn_defaultinventorystatusid: Text100 = None
    msdyn_defaultfinancialdimensionvalue: Text500 = None
    msdyn_taxbranchcode: Text100 = None
    msdyn_fiscalestablishmentid: Text100 = None
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
    msdyn_primaryaddresslocationrole: Text250 = None
    msdyn_primaryaddresslocationsalestaxgroupcode: Text100 = None
    msdyn_primaryaddresscityinkana: Text100 = None
    msdyn_primaryaddressstreetinkana: Text250 = None
    msdyn_formattedprimaryaddress: Memo = None
    msdyn_operationalsiteid: Guid = None  # FS only
    zero_is_no_position = model_validator(mode="before")(no_position(FS_LATITUDE, FS_LONGITUDE))


class _ScmSite(ScmRecord):
    SiteId: SiteId
    SiteName: Text60 = None
    DefaultInventoryStatusId: Text10 = None
    DefaultFinancialDimensionValue: Text500 = None
    TaxBranchCode: Text20 = None
    FiscalEstablishmentId: Text10 = None
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
    PrimaryAddressLocationRoles: Text250 = None
    PrimaryAddressLocationSalesTaxGroupCode: Text10 = None
    PrimaryAddressCityInKana: Text60 = None
    PrimaryAddressStreetInKana: Text250 = None
    FormattedPrimaryAddress: Memo = None
    zero_is_no_position = model_validator(mode="before")(no_position(LATITUDE, LONGITUDE))


# The template's Yes/No options: FS two-option column ⇄ F&O NoYes enum, all optional.
FLAGS = (
    ("msdyn_isreceivingwarehouseoverrideallowed", "IsReceivingWarehouseOverrideAllowed"),
    ("msdyn_isprimaryaddressassigned", "IsPrimaryAddressAssigned"),
    ("msdyn_masterplannedusestransferjournal", "WillMasterPlannedIntraSiteMovementsUseTransferJournals"),
)
FsSite = with_options(_FsSite, (fs for fs, _ in FLAGS), bool)
ScmSite = with_options(_ScmSite, (scm for _, scm in FLAGS), YesNo)

# The template maps every one of these both ways, name for name (msdyn_primaryaddress<suffix> ⇄
# PrimaryAddress<Suffix>); the location roles are the one plural on the SCM side.
ADDRESS = (
    "Description",
    "Street",
    "StreetNumber",
    "BuildingCompliment",
    "PostBox",
    "City",
    "DistrictName",
    "CountyId",
    "StateId",
    "ZipCode",
    "CountryRegionId",
)
GEO = (
    FieldPair(FS_LATITUDE, LATITUDE, note="0, 0 from either side is no position: empty on both (project rule)"),
    FieldPair(FS_LONGITUDE, LONGITUDE, note="0, 0 is no position, as above; left out of `near=` lists"),
)

SPEC = EntitySpec(
    slug="sites",
    table="Sites",
    title="Site",
    fs=fs_side("msdyn_operationalsite", FsSite, "msdyn_siteid"),
    scm=scm_side("InventOperationalSiteEntity", ScmSite, "SiteId"),
    fields=(
        FieldPair("msdyn_siteid", "SiteId"),
        FieldPair("msdyn_sitename", "SiteName"),
        FieldPair("msdyn_defaultinventorystatusid", "DefaultInventoryStatusId"),
        FieldPair("msdyn_defaultfinancialdimensionvalue", "DefaultFinancialDimensionValue"),
        FieldPair("msdyn_taxbranchcode", "TaxBranchCode"),
        FieldPair("msdyn_fiscalestablishmentid", "FiscalEstablishmentId"),
        *(FieldPair(f"msdyn_primaryaddress{suffix.lower()}", f"PrimaryAddress{suffix}") for suffix in ADDRESS),
        *GEO,
        FieldPair("msdyn_primaryaddresslocationrole", "PrimaryAddressLocationRoles"),
        FieldPair("msdyn_primaryaddresslocationsalestaxgroupcode", "PrimaryAddressLocationSalesTaxGroupCode"),
        FieldPair("msdyn_primaryaddresscityinkana", "PrimaryAddressCityInKana"),
        FieldPair("msdyn_primaryaddressstreetinkana", "PrimaryAddressStreetInKana"),
        FieldPair(
            "msdyn_formattedprimaryaddress",
            "FormattedPrimaryAddress",
            note="as the template maps it; F&O composes it from the address parts",
        ),
        *(FieldPair(fs, scm, converter=YES_NO) for fs, scm in FLAGS),
        FieldPair("msdyn_operationalsiteid", None, Direction.FS_ONLY, note=GUID_NOTE),
    ),
    geo=GEO,
)
