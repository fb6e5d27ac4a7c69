"""Notifications: chosen events to Telegram and webhooks through an outbox in the database."""
