"""The public catalogue: zones (KCN/CCN/KKT), plots and sectors."""
