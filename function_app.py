"""The Function App: one blueprint per entity, plus the operational routes. Nothing else lives here."""

import azure.functions as func

from functions import customer_assets, operations, payment_terms, ship_via, sync, ui, warehouses

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

for module in (warehouses, customer_assets, payment_terms, ship_via, sync, operations, ui):
    app.register_functions(module.bp)
