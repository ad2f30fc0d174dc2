"""Outputs the live bot drives besides the overlay: webhooks (events out to other tools).

An output never blocks the flow and never stops the bot: what goes wrong outside is logged,
counted and retried.
"""
