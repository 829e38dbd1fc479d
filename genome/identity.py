"""Identity resolution: identifiers seen together on one event become one customer.

Resolution is deterministic (links are taken in the order they were first seen,
ties broken by event and identifier) and keeps its evidence: every accepted
link names the event that showed the two identifiers together, and every
refused link is kept with its reason. Two guards stop one shared identifier
(a store kiosk, a family tablet) from merging strangers:
- an identifier seen with more than `shared_links` distinct identifiers of
  one kind (a tablet with seven loyalty cards) is treated as shared and links
  nobody;
- a customer never grows beyond `cap` identifiers; a link that would exceed
  the cap is refused.
Customer ids are pseudonymous: a hash of the customer's earliest identifier.
"""

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from genome.events import IDENTIFIER_COLUMNS


@dataclass(frozen=True)
class IdentityReport:
    identifiers: int
    customers: int
    links: int
    refused_shared: int
    refused_cap: int


def _linking_rows_sql() -> str:
    """One row per (event, identifier on it other than its anchor): one narrow pass per identifier column, which
    reads less than listing every event's identifiers and unnesting them. The anchor is the first identifier an
    event carries (`genome.events`), so the first column is never another's."""
    return " UNION ALL ".join(
        f"SELECT event_id, occurred_at, anchor, '{c}:' || {c} AS identifier FROM events "
        f"WHERE {c} IS NOT NULL AND anchor <> '{c}:' || {c}"  # column names are constants
        for c in IDENTIFIER_COLUMNS[1:])


class _Components:
    """Union-find over identifier numbers, tracking each component's size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:  # path compression keeps later finds O(1)
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]


def _link(n_nodes: int, a: np.ndarray, b: np.ndarray, shared: np.ndarray, *, cap: int,
          shared_links: int) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Each node's component, whether each link (in the order given) was accepted, and why not.

    The cap makes links depend on their order only inside a group of identifiers that would together exceed it:
    every other group takes all its links, whatever their order. So the groups are found at once (SciPy's
    connected components), and links are taken one by one only inside the few groups over the cap."""
    usable = ~shared
    graph = coo_matrix((np.ones(int(usable.sum()), dtype=np.int8), (a[usable], b[usable])), shape=(n_nodes, n_nodes))
    n_groups, roots = connected_components(graph, directed=False)
    roots = roots.astype(np.int64)
    accepted = usable.copy()
    refused_reason: list[str | None] = [None] * len(a)
    for k in np.flatnonzero(shared).tolist():
        refused_reason[k] = f"shared identifier: seen with more than {shared_links} identifiers of one kind"
    over_cap = np.bincount(roots, minlength=n_groups)[roots] > cap
    ordered = np.flatnonzero(usable & over_cap[a])
    if ordered.size:
        components = _Components(n_nodes)
        for k, x, y in zip(ordered.tolist(), a[ordered].tolist(), b[ordered].tolist()):
            rx, ry = components.find(x), components.find(y)
            if rx == ry:
                continue
            if components.size[rx] + components.size[ry] > cap:
                accepted[k] = False
                refused_reason[k] = f"customer would exceed {cap} identifiers"
                continue
            components.union(rx, ry)
        members = np.flatnonzero(over_cap)
        roots[members] = n_groups + np.fromiter((components.find(i) for i in members.tolist()), dtype=np.int64,
                                                count=members.size)
    return roots, accepted, refused_reason


def resolve_identities(
    con: duckdb.DuckDBPyConnection, *, cap: int = 50, shared_links: int = 5
) -> IdentityReport:
    """Rebuild identifiers, identity_links, identity_refusals and customers from events.

    Runs inside the caller's transaction, so readers see the previous
    resolution until the caller commits.
    """
    # Every identifier is an event's anchor or sits beside one on a linking event, so they are all found by one
    # pass per anchor (which also counts each customer's events) and narrow reads of the other identifier columns.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _anchors AS
        SELECT anchor, count(*) AS events, min(occurred_at) AS first_at, max(occurred_at) AS last_at
        FROM events GROUP BY anchor;
        CREATE OR REPLACE TEMP TABLE _pairs AS
        SELECT anchor, identifier AS other, min(occurred_at) AS first_seen,
               arg_min(event_id, (occurred_at, event_id)) AS event_id
        FROM ({_linking_rows_sql()}) GROUP BY anchor, identifier;
        -- a node number only names an identifier in the graph: any numbering gives the same customers, and
        -- numbering them in identifier order took a tenth of the resolution's time
        CREATE OR REPLACE TEMP TABLE _ids AS
        SELECT row_number() OVER () - 1 AS node, identifier,
               split_part(identifier, ':', 1) AS kind, substr(identifier, strpos(identifier, ':') + 1) AS value,
               first_seen
        FROM (SELECT identifier, min(first_seen) AS first_seen FROM (
                  SELECT anchor AS identifier, first_at AS first_seen FROM _anchors
                  UNION ALL SELECT other, first_seen FROM _pairs)
              GROUP BY identifier);
        -- k: the order links are taken in (the links first seen on one event share its anchor, so the other
        -- identifier settles their order); each edge keeps its identifiers' text for the evidence tables
        CREATE OR REPLACE TEMP TABLE _edges AS
        SELECT row_number() OVER (ORDER BY e.first_seen, e.event_id, e.other) - 1 AS k,
               a.node AS a, b.node AS b, e.anchor, e.other, e.event_id
        FROM _pairs e
        JOIN _ids a ON a.identifier = e.anchor
        JOIN _ids b ON b.identifier = e.other;
        CREATE OR REPLACE TEMP TABLE _degree AS
        SELECT node, max(links) AS links FROM (
            SELECT node, kind, count(DISTINCT other) AS links FROM (
                SELECT e.a AS node, e.b AS other, i.kind FROM _edges e JOIN _ids i ON i.node = e.b
                UNION ALL
                SELECT e.b, e.a, i.kind FROM _edges e JOIN _ids i ON i.node = e.a
            ) GROUP BY node, kind
        ) GROUP BY node;
    """)
    n_nodes = con.execute("SELECT count(*) FROM _ids").fetchone()[0]
    edges = con.execute("""
        SELECT e.a, e.b, coalesce(da.links, 0) > ? OR coalesce(db.links, 0) > ? AS shared
        FROM _edges e
        LEFT JOIN _degree da ON da.node = e.a
        LEFT JOIN _degree db ON db.node = e.b
        ORDER BY e.k
    """, [shared_links, shared_links]).fetchnumpy()

    roots, accepted, refused_reason = _link(n_nodes, edges["a"].astype(np.int64), edges["b"].astype(np.int64),
                                            edges["shared"].astype(bool), cap=cap, shared_links=shared_links)

    con.register("_component_arrow", pa.table({"node": np.arange(n_nodes, dtype=np.int64), "component": roots}))
    con.register("_edge_outcome_arrow", pa.table({
        "k": np.arange(len(accepted), dtype=np.int64), "accepted": accepted,
        "reason": pa.array(refused_reason, pa.string()),
    }))
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _resolved AS
        WITH members AS (
            SELECT i.*, c.component FROM _ids i JOIN _component_arrow c USING (node)
        ), firsts AS (
            SELECT component, arg_min(identifier, (first_seen, identifier)) AS first_identifier,
                   min(first_seen) AS since
            FROM members GROUP BY component
        ), digests AS (
            SELECT component, first_identifier, since, upper(md5(first_identifier)) AS digest FROM firsts
        ), named AS (
            -- ten hex digits name a customer; two customers whose first identifiers share them (a store of a
            -- million customers has about a one-in-three chance of such a pair) would be merged into one, so each
            -- after the first to be seen is named by the whole digest instead
            SELECT component,
                   'C' || CASE WHEN row_number() OVER (PARTITION BY left(digest, 10)
                                                       ORDER BY since, first_identifier) = 1
                               THEN left(digest, 10) ELSE digest END AS customer_id
            FROM digests
        )
        SELECT m.identifier, m.kind, m.value, n.customer_id, m.first_seen
        FROM members m JOIN named n USING (component);

        DELETE FROM customers;
        INSERT INTO customers
        SELECT r.customer_id, any_value(ids.n), sum(e.events), min(e.first_at), max(e.last_at)
        FROM _anchors e
        JOIN _resolved r ON r.identifier = e.anchor
        JOIN (SELECT customer_id, count(*) AS n FROM _resolved GROUP BY customer_id) ids USING (customer_id)
        GROUP BY r.customer_id;

        -- identifiers of a component that anchors no event (a lone shared kiosk) name no customer
        DELETE FROM identifiers;
        INSERT INTO identifiers
        SELECT identifier, kind, value, customer_id, first_seen FROM _resolved
        WHERE customer_id IN (SELECT customer_id FROM customers);

        DELETE FROM identity_links;
        INSERT INTO identity_links
        SELECT e.anchor, e.other, e.event_id FROM _edges e JOIN _edge_outcome_arrow o USING (k) WHERE o.accepted;

        DELETE FROM identity_refusals;
        INSERT INTO identity_refusals
        SELECT e.anchor, e.other, e.event_id, o.reason
        FROM _edges e JOIN _edge_outcome_arrow o USING (k) WHERE NOT o.accepted;
    """)
    con.unregister("_component_arrow")
    con.unregister("_edge_outcome_arrow")
    report = IdentityReport(
        identifiers=con.execute("SELECT count(*) FROM identifiers").fetchone()[0],
        customers=con.execute("SELECT count(*) FROM customers").fetchone()[0],
        links=int(accepted.sum()),
        refused_shared=sum(1 for r in refused_reason if r and r.startswith("shared")),
        refused_cap=sum(1 for r in refused_reason if r and r.startswith("customer would")),
    )
    for table in ("_anchors", "_pairs", "_ids", "_edges", "_degree", "_resolved"):
        con.execute(f"DROP TABLE IF EXISTS {table}")  # fixed names, not user text
    return report
