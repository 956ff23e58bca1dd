"""Ship Via: FS `msdyn_shipvia` ⇄ SCM Modes of delivery (DlvDeliveryModeEntity). Key: company + mode code."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.entities.common import Blankable, FsRecord, ScmRecord, fs_side, scm_side
from shared.spec import EntitySpec, FieldPair


class FsShipVia(FsRecord):
    msdyn_name: Annotated[str, Field(min_length=1, max_length=100)]
    msdyn_description: Blankable[Annotated[str, Field(max_length=2000)]] = None


class ScmShipVia(ScmRecord):
    ModeCode: Annotated[str, Field(min_length=1, max_length=10)]
    ModeDescription: Blankable[Annotated[str, Field(max_length=60)]] = None


SPEC = EntitySpec(
    slug="ship-via",
    table="ShipVia",
    title="Ship Via",
    fs=fs_side("msdyn_shipvia", FsShipVia, "msdyn_name"),
    scm=scm_side("DlvDeliveryModeEntity", ScmShipVia, "ModeCode"),
    fields=(
        FieldPair("msdyn_name", "ModeCode"),
        FieldPair("msdyn_description", "ModeDescription"),
    ),
)
