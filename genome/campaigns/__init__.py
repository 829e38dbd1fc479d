"""Campaigns: their plans (metadata store), who got them and who was held out (events), and what they did."""
