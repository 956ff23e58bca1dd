"""Ship Via: FS `msdyn_shipvia` ⇄ SCM Modes of delivery (DlvDeliveryModeEntity). Key: company + mode code.

Fields as Microsoft's dual-write template "Modes of delivery (msdyn_shipvias)" maps them. Text sizes:
F&O's DlvModeId 10 and Description 60.
"""

from __future__ import annotations

from typing import Annotated

from shared.entities.common import GUID_NOTE, FsRecord, Guid, Length, Memo, ScmRecord, Text60, fs_side, scm_side
from shared.entities.spec import Direction, EntitySpec, FieldPair


class FsShipVia(FsRecord):
    msdyn_name: Annotated[str, Length(1, 100)]
    msdyn_description: Memo = None
    msdyn_shipviaid: Guid = None  # FS only


class ScmShipVia(ScmRecord):
    ModeCode: Annotated[str, Length(1, 10)]
    ModeDescription: Text60 = None


SPEC = EntitySpec(
    slug="ship-via",
    table="ShipVia",
    title="Ship Via",
    fs=fs_side("msdyn_shipvia", FsShipVia, "msdyn_name"),
    scm=scm_side("DlvDeliveryModeEntity", ScmShipVia, "ModeCode"),
    fields=(
        FieldPair("msdyn_name", "ModeCode"),
        FieldPair("msdyn_description", "ModeDescription"),
        FieldPair("msdyn_shipviaid", None, Direction.FS_ONLY, note=GUID_NOTE),
    ),
)
