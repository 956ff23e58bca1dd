"""The Function App: one blueprint per entity, plus the operational routes. Nothing else lives here."""

import azure.functions as func

from functions import (
    control,
    customer_assets,
    errors,
    operations,
    payment_terms,
    reconcile,
    ship_via,
    sites,
    sync,
    ui,
    warehouses,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

for module in (
    warehouses,
    customer_assets,
    payment_terms,
    ship_via,
    sites,
    sync,
    reconcile,
    control,
    errors,
    ui,
    operations,
):
    app.register_functions(module.bp)
