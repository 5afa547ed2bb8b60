from store_fixtures import pg_db_url, store_settings

__all__ = ["pg_db_url", "store_settings"]
