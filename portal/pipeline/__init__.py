"""Public pipeline figures: what happens to the proposals the portal receives, per quarter."""
