"""Every SQL statement of ``directory``.

Rows decode straight into the contract Structs (``mobile_contract.directory``): each SELECT
names its columns by the contract's field names, and each write binds the contract's fields
under the same names, so a field missing on either side fails at once (tests/directory).
"""

from uuid import UUID

import msgspec

from kernel.statements import Statement


class Found(msgspec.Struct):
    id: UUID


# Customers ----------------------------------------------------------------------------------

CUSTOMER = Statement(
    "SELECT id, name, tier, contacts, created_at, updated_at FROM directory_customer"
    " WHERE tenant = :tenant AND id = :id"
)
CUSTOMERS = Statement(
    "SELECT id, name, tier, contacts, created_at, updated_at FROM directory_customer"
    " WHERE tenant = :tenant ORDER BY name"
)
CUSTOMER_EXISTS = Statement("SELECT id FROM directory_customer WHERE tenant = :tenant AND id = :id")
INSERT_CUSTOMER = Statement(
    "INSERT INTO directory_customer (id, tenant, name, tier, contacts, created_at, updated_at)"
    " VALUES (:id, :tenant, :name, :tier, :contacts, :now, :now)"
)
UPDATE_CUSTOMER = Statement(
    "UPDATE directory_customer SET name = :name, tier = :tier, contacts = :contacts,"
    " updated_at = :now WHERE tenant = :tenant AND id = :id"
)

# Sites --------------------------------------------------------------------------------------

SITE = Statement(
    "SELECT id, name, kind, customer AS customer_id, address, latitude, longitude, timezone,"
    " created_at, updated_at FROM directory_site WHERE tenant = :tenant AND id = :id"
)
SITES = Statement(
    "SELECT id, name, kind, customer AS customer_id, address, latitude, longitude, timezone,"
    " created_at, updated_at FROM directory_site WHERE tenant = :tenant ORDER BY name"
)
SITES_OF_CUSTOMER = Statement(
    "SELECT id, name, kind, customer AS customer_id, address, latitude, longitude, timezone,"
    " created_at, updated_at FROM directory_site WHERE tenant = :tenant AND customer = :customer"
    " ORDER BY name"
)
SITE_EXISTS = Statement("SELECT id FROM directory_site WHERE tenant = :tenant AND id = :id")
INSERT_SITE = Statement(
    "INSERT INTO directory_site (id, tenant, name, kind, customer, address, latitude, longitude,"
    " timezone, created_at, updated_at) VALUES (:id, :tenant, :name, :kind, :customer_id,"
    " :address, :latitude, :longitude, :timezone, :now, :now)"
)
UPDATE_SITE = Statement(
    "UPDATE directory_site SET name = :name, kind = :kind, customer = :customer_id,"
    " address = :address, latitude = :latitude, longitude = :longitude, timezone = :timezone,"
    " updated_at = :now WHERE tenant = :tenant AND id = :id"
)

# Assets -------------------------------------------------------------------------------------

ASSET = Statement(
    "SELECT id, site AS site_id, device_code, name, model, family, production_line,"
    " system_module, serial_number, created_at, updated_at FROM directory_asset"
    " WHERE tenant = :tenant AND id = :id"
)
ASSETS = Statement(
    "SELECT id, site AS site_id, device_code, name, model, family, production_line,"
    " system_module, serial_number, created_at, updated_at FROM directory_asset"
    " WHERE tenant = :tenant ORDER BY device_code"
)
ASSETS_OF_SITE = Statement(
    "SELECT id, site AS site_id, device_code, name, model, family, production_line,"
    " system_module, serial_number, created_at, updated_at FROM directory_asset"
    " WHERE tenant = :tenant AND site = :site ORDER BY device_code"
)
ASSET_EXISTS = Statement("SELECT id FROM directory_asset WHERE tenant = :tenant AND id = :id")
ASSET_WITH_CODE = Statement(
    "SELECT id FROM directory_asset WHERE tenant = :tenant AND device_code = :device_code"
)
INSERT_ASSET = Statement(
    "INSERT INTO directory_asset (id, tenant, site, device_code, name, model, family,"
    " production_line, system_module, serial_number, created_at, updated_at) VALUES (:id,"
    " :tenant, :site_id, :device_code, :name, :model, :family, :production_line,"
    " :system_module, :serial_number, :now, :now)"
)
UPDATE_ASSET = Statement(
    "UPDATE directory_asset SET site = :site_id, device_code = :device_code, name = :name,"
    " model = :model, family = :family, production_line = :production_line,"
    " system_module = :system_module, serial_number = :serial_number, updated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
