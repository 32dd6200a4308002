"""Where each zone is, before and since the 2025 reform: old commune and district, the 2025 commune of
Cần Thơ city, the authority that runs it, and the approximate point the map uses. No tables."""
