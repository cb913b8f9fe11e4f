"""Version of the stored data model; bump it when a stored field changes meaning or shape."""

SCHEMA_VERSION = 1
