-- The analytics store. Each table states its grain; tests check it.

-- grain: one row per event_id (ingest guarantees uniqueness by anti-join)
CREATE TABLE IF NOT EXISTS events (
    event_id      VARCHAR   NOT NULL,
    occurred_at   TIMESTAMP NOT NULL,
    channel       VARCHAR   NOT NULL,
    event_type    VARCHAR   NOT NULL,
    customer_ref  VARCHAR,
    loyalty_id    VARCHAR,
    email         VARCHAR,
    phone         VARCHAR,
    device_id     VARCHAR,
    anchor        VARCHAR   NOT NULL,  -- 'kind:value' of the event's first identifier
    product_id    VARCHAR,
    category      VARCHAR,
    amount        DOUBLE,
    quantity      INTEGER,
    currency      VARCHAR,
    store_id      VARCHAR,
    city          VARCHAR,
    text          VARCHAR,
    attributes    JSON,
    -- where the event came from: its line in the file of its batch (ingest_batches names the source and the
    -- file; the service desk's consent decisions carry 'desk-YYYYMMDD' and the decision's number instead)
    source_line   BIGINT    NOT NULL,
    batch_id      VARCHAR   NOT NULL
);
-- Stores made before lineage moved to the batch kept the source and file on every event: writing those two
-- constant texts again for each row took about a twentieth of the time it takes to store a file.
ALTER TABLE events DROP COLUMN IF EXISTS source;
ALTER TABLE events DROP COLUMN IF EXISTS source_file;

-- grain: one row per distinct rejected raw row (raw_key)
CREATE TABLE IF NOT EXISTS quarantined_rows (
    raw_key          VARCHAR   NOT NULL,
    source           VARCHAR   NOT NULL,
    source_file      VARCHAR   NOT NULL,
    source_line      BIGINT    NOT NULL,
    reason           VARCHAR   NOT NULL,
    raw              VARCHAR   NOT NULL,
    batch_id         VARCHAR   NOT NULL,
    quarantined_at   TIMESTAMP NOT NULL
);

-- grain: one row per file ingested (batch_id)
CREATE TABLE IF NOT EXISTS ingest_batches (
    batch_id      VARCHAR   NOT NULL,
    source        VARCHAR   NOT NULL,
    source_file   VARCHAR   NOT NULL,
    file_format   VARCHAR   NOT NULL,
    rows_read     BIGINT    NOT NULL,
    accepted      BIGINT    NOT NULL,
    quarantined   BIGINT    NOT NULL,
    duplicates    BIGINT    NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP NOT NULL
);
-- rows of an erased customer that arrived again (added after the first stores were made)
ALTER TABLE ingest_batches ADD COLUMN IF NOT EXISTS erased BIGINT DEFAULT 0;

-- grain: one row per erased identifier ('kind:value'), as a salted SHA-256 (`genome.erasure`)
CREATE TABLE IF NOT EXISTS erased_identifiers (
    identifier_hash  VARCHAR   NOT NULL,
    erased_at        TIMESTAMP NOT NULL
);

-- grain: one row per identifier ('kind:value'); rebuilt by identity resolution
CREATE TABLE IF NOT EXISTS identifiers (
    identifier    VARCHAR   NOT NULL,
    kind          VARCHAR   NOT NULL,
    value         VARCHAR   NOT NULL,
    customer_id   VARCHAR   NOT NULL,
    first_seen    TIMESTAMP NOT NULL
);

-- grain: one row per accepted link (identifier pair): the evidence of a merge
CREATE TABLE IF NOT EXISTS identity_links (
    identifier    VARCHAR   NOT NULL,
    other         VARCHAR   NOT NULL,
    event_id      VARCHAR   NOT NULL   -- first event that showed them together
);

-- grain: one row per refused link (identifier pair)
CREATE TABLE IF NOT EXISTS identity_refusals (
    identifier    VARCHAR   NOT NULL,
    other         VARCHAR   NOT NULL,
    event_id      VARCHAR   NOT NULL,
    reason        VARCHAR   NOT NULL
);

-- grain: one row per customer_id; rebuilt by identity resolution
CREATE TABLE IF NOT EXISTS customers (
    customer_id     VARCHAR   NOT NULL,
    n_identifiers   INTEGER   NOT NULL,
    n_events        BIGINT    NOT NULL,
    first_seen      TIMESTAMP NOT NULL,
    last_seen       TIMESTAMP NOT NULL
);

-- Events with the customer they belong to, through the event's anchor.
CREATE OR REPLACE VIEW customer_events AS
SELECT i.customer_id, e.*
FROM events e JOIN identifiers i ON i.identifier = e.anchor;

-- grain: one row per (customer_id, purpose): the latest consent decision.
CREATE OR REPLACE VIEW consent_latest AS
SELECT customer_id,
       purpose,
       arg_max(granted, (occurred_at, event_id)) AS granted,
       max(occurred_at) AS decided_at
FROM (
    SELECT customer_id, event_id, occurred_at,
           lower(trim(json_extract_string(attributes, '$.purpose'))) AS purpose,  -- normalised at ingest too
           CAST(json_extract(attributes, '$.granted') AS BOOLEAN) AS granted
    FROM customer_events
    WHERE event_type = 'consent'
)
GROUP BY customer_id, purpose;
