"""CSV backfill: rows from another tool's export, validated and stored in batches."""
