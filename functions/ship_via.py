"""Ship Via: HTTP and queue triggers, FS→SCM and SCM→FS."""

from functions.triggers import entity_blueprint
from shared.entities.ship_via import SPEC

bp = entity_blueprint(SPEC)
