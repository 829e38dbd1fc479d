"""The creative studio: an asset library, Liquid templates with named slots, and per-recipient assembly.

`library` keeps assets (copy and images, each with an eligibility rule in the
segment rule language), `images` checks uploaded pictures by their content,
`templates` reads and sandboxes Liquid templates, and `assembly` picks for
every recipient and slot the highest-priority asset they are eligible for,
with its reason, and renders the message per channel.
"""
