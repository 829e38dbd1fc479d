"""Session-state and widget keys, in one place so pages never collide."""

import hashlib
import json

CATALOG_SEARCH = "catalog_search"
CATALOG_FAMILY = "catalog_family"
CATALOG_TYPES = "catalog_types"
CATALOG_SENSITIVITY = "catalog_sensitivity"
CATALOG_ORDER = "catalog_order"
CATALOG_TABLE = "catalog_table"
CATALOG_OPEN = "catalog_open_gene"
CATALOG_SEARCHED = "catalog_searched"  # the search that last opened a gene by its exact name
CATALOG_PICKED = "catalog_picked"  # the table row clicked last
CATALOG_DEFINITION = "catalog_definition"  # the "Definition" expander is open

SEG_BUILDER = "seg_builder"  # the Builder (containers and their conditions)
SEG_SORTABLES = "seg_sortables_key"  # the drag component's current key
SEG_SORTABLES_SENT = "seg_sortables_sent"  # the arrangement it was last drawn with
SEG_SEARCH = "seg_search"
SEG_FAMILY = "seg_family"
SEG_TEXT = "seg_text"
SEG_TEXT_SHOWN = "seg_text_shown"  # the rule text the box was last set to
SEG_ERROR = "seg_error"
SEG_ADD_GENE = "seg_add_gene"
SEG_ADDING = "seg_adding"  # the "Add a gene, a group..." expander is open
SEG_TAB = "seg_tab"  # the open tab below the builder
SEG_ADD_TO = "seg_add_to"
SEG_SAVE_NAME = "seg_save_name"
SEG_SAVE_DESCRIPTION = "seg_save_description"
SEG_WHY = "seg_why_customer"
SEG_SAVED = "seg_saved_segment"
SEG_EXPORT_PURPOSE = "seg_export_purpose"
SEG_EXPORT_FORMAT = "seg_export_format"
SEG_EXPORT_SEGMENT = "seg_export_segment"
SEG_EXPORT_VERSION = "seg_export_version"
SEG_LAST_EXPORT = "seg_last_export"  # the file of this session's latest export, for its download button
SEG_DOWNLOAD = "seg_download_pick"  # the export picked for download
CONDITION_PREFIX = "seg_condition::"
# Counts the whole rules loaded into the builder (applied text, a saved version): part of every condition input's
# key, so that the browser makes fresh inputs rather than keep, and later send back, what the old ones showed.
CONDITION_GENERATION = "seg_condition_generation"


def sortables_key(arrangement: list[dict]) -> str:
    """One key per arrangement the page shows, so the browser re-mounts the component when it changes."""
    digest = hashlib.sha1(json.dumps(arrangement, sort_keys=True).encode()).hexdigest()[:12]
    return f"seg_sortables_{digest}"


def condition_key(label: str, part: str, generation: int) -> str:
    return f"{CONDITION_PREFIX}{generation}::{label}::{part}"

USER = "user"  # the signed-in account (genome.users.Actor)
LAST_SEEN = "last_seen"  # time.monotonic() of the user's last action, for the idle sign-out
SIGNED_OUT_BECAUSE = "signed_out_because"  # why the last session ended, shown on the sign-in form
PENDING_PAGE = "pending_page"  # the page a bookmark opened before sign-in, opened after it
SIGNIN_NAME = "signin_name"
SIGNIN_PASSWORD = "signin_password"
NEW_PASSWORD = "new_password"
NEW_PASSWORD_AGAIN = "new_password_again"
CURRENT_PASSWORD = "current_password"
MODELS_REFIT = "models_refit"

CUSTOMER_SEARCH = "customer_search"
CUSTOMER_PICK = "customer_pick"  # the customer chosen when several match
CUSTOMER_CHANNEL = "customer_timeline_channel"
CUSTOMER_PAGE = "customer_timeline_page"
CUSTOMER_ERASED = "customer_erased"  # the report of the erasure just made, shown once
ERASE_REASON = "erase_reason"
ERASE_CONFIRM = "erase_confirm"
CONSENT_PURPOSE = "consent_change_purpose"
CONSENT_DECISION = "consent_change_decision"
CONSENT_REASON = "consent_change_reason"
CONSENT_RECORDED = "consent_change_recorded"  # what was recorded, shown once after the page reruns
CUSTOMER_SHOWN = "customer_shown"  # the customer whose profile the page shows

AUDIT_ACTOR = "audit_actor"
AUDIT_ACTION = "audit_action"
AUDIT_TARGET = "audit_target"

STUDIO_TEMPLATE = "studio_template"
STUDIO_CHANNEL = "studio_channel"
STUDIO_SOURCE = "studio_recipients"
STUDIO_CUSTOMER = "studio_customer"
STUDIO_SEGMENT = "studio_segment"
STUDIO_COVERAGE_TEMPLATE = "studio_coverage_template"
STUDIO_COVERAGE_SEGMENT = "studio_coverage_segment"
STUDIO_COVERAGE_CHANNEL = "studio_coverage_channel"
STUDIO_TAB = "studio_tab"
STUDIO_ASSET = "studio_asset"
REPORTS_CAMPAIGN = "reports_campaign"
CAMPAIGNS_TAB = "campaigns_tab"
CAMPAIGNS_DRAFT = "campaigns_draft"
CAMPAIGNS_SURE = "campaigns_sure"
CAMPAIGNS_SEND = "campaigns_send"
CAMPAIGNS_SAVED = "campaigns_saved"  # the message of a save, shown after the rerun it causes
STUDIO_ASSET_SAVED = "studio_asset_saved"  # the message of a save, shown after the rerun it causes
STUDIO_ASSET_SHOWN = "studio_asset_shown"  # the asset to show after that rerun
