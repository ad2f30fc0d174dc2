"""Outputs the live bot drives besides the overlay: VTube Studio (the avatar reacts to chat) and
webhooks (events out to other tools).

Each output reports what goes wrong outside in one line (VTube Studio through an `OutputStatus`,
status.py, for the status line and the payload), never blocks the flow and never stops the bot:
it logs, counts and retries.
"""
