"""Staff accounts: users, roles (admin, staff, screener), argon2id hashing, server-side sessions."""
