from store_fixtures import client, pg_db_url, store_settings, world

__all__ = ["client", "pg_db_url", "store_settings", "world"]
