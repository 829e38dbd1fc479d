"""A metadata store made before a model gained a column is given the column, with its default, when opened."""

import sqlite3

from sqlmodel import select

from store.meta import Campaign, dispose, session


def test_a_campaign_table_from_before_micro_campaigns_gains_its_cell_column(tmp_path):
    path = tmp_path / "old.meta.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE campaign (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, version INTEGER NOT NULL, "
                "goal VARCHAR NOT NULL, segment VARCHAR, segment_version INTEGER, template VARCHAR, "
                "channel VARCHAR NOT NULL, send_on DATETIME, holdout_share FLOAT NOT NULL, window_days INTEGER NOT "
                "NULL, message_cost FLOAT NOT NULL, state VARCHAR NOT NULL, owner VARCHAR NOT NULL, created_at "
                "DATETIME NOT NULL)")
    old.execute("INSERT INTO campaign VALUES (1, 'spring', 1, 'purchase', NULL, NULL, NULL, 'email', NULL, 0.1, 14, "
                "0.0, 'sent', 'ada', '2026-06-01 09:00:00')")
    old.commit()
    old.close()
    url = f"sqlite:///{path}"
    try:
        with session(url) as s:
            campaign = s.exec(select(Campaign)).one()
        assert campaign.name == "spring" and campaign.cell == ""
    finally:
        dispose(url)
