"""Adapters that turn outside payloads into ``NewItem`` records."""
