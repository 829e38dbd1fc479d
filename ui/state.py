"""Session-state and widget keys, in one place so pages never collide."""

CATALOG_SEARCH = "catalog_search"
CATALOG_FAMILY = "catalog_family"
CATALOG_TYPES = "catalog_types"
CATALOG_SENSITIVITY = "catalog_sensitivity"
CATALOG_ORDER = "catalog_order"
CATALOG_TABLE = "catalog_table"
CATALOG_OPEN = "catalog_open_gene"
