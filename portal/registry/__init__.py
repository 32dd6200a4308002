"""The project registry: investment projects accepted in each zone (feeds leased land, fill rate, jobs)."""
