"""Enumerations of the contract. Values are lowercase snake_case and never change meaning."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    ENGINEER = "engineer"


class WorkOrderStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    VERIFIED = "verified"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


class PrioritySource(StrEnum):
    RULES = "rules"  # the tenant's priority rules decided (``priority_reasons`` say why)
    PERSON = "person"  # a person chose it: the rules never change it


class Channel(StrEnum):
    APP = "app"
    WEB = "web"
    IOT = "iot"
    EMAIL = "email"
    PHONE = "phone"
    MINI_PROGRAM = "mini_program"


class WorkOrderType(StrEnum):
    COLD_STORAGE_REPAIR = "cold_storage_repair"
    EQUIPMENT_REPAIR = "equipment_repair"
    PREVENTIVE_MAINTENANCE = "preventive_maintenance"
    INSTALLATION = "installation"
    INSPECTION = "inspection"


class HoldReason(StrEnum):
    PARTS = "parts"
    CUSTOMER = "customer"
    ACCESS = "access"


class CustomerTier(StrEnum):
    STRATEGIC = "strategic"
    PREMIUM = "premium"
    STANDARD = "standard"


class SiteKind(StrEnum):
    COLD_STORAGE = "cold_storage"
    PLANT = "plant"
    STORE = "store"
    OFFICE = "office"


class Platform(StrEnum):
    IOS = "ios"  # APNs
    ANDROID = "android"  # FCM


class ApnsEnvironment(StrEnum):
    SANDBOX = "sandbox"  # development builds
    PRODUCTION = "production"  # TestFlight and App Store builds


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # written, not yet sent
    RETRYING = "retrying"  # a transient failure; sent again at next_attempt_at
    DELIVERED = "delivered"  # accepted by APNs / FCM
    LOGGED = "logged"  # no provider configured: written to the server log only
    DEAD = "dead"  # retries exhausted or a permanent failure; an alert went out
    TOKEN_DISABLED = "token_disabled"  # the provider said the device's token is dead


class AckEvent(StrEnum):
    RECEIVED = "received"  # the app got the push (from its notification service extension)
    OPENED = "opened"  # the engineer opened it


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    DOCUMENT = "document"
    SIGNATURE = "signature"


class UploadStatus(StrEnum):
    PENDING = "pending"  # waiting for the bytes
    UPLOADED = "uploaded"  # complete: waiting for verification
    VERIFIED = "verified"  # re-hashed, type sniffed, decoded: evidence
    REJECTED = "rejected"  # see rejection_reason; never shown as evidence
    ABORTED = "aborted"  # cancelled by the client
    EXPIRED = "expired"  # not completed in time


class EvidenceState(StrEnum):
    VERIFIED = "verified"  # in the ledger
    AWAITING_VERIFICATION = "awaiting_verification"  # uploaded (or uploading), not checked yet
    MISSING = "missing"
