"""Outputs the live bot drives besides the overlay: VTube Studio (the avatar reacts to chat).

Each output reports an `OutputStatus` (status.py) for the status line and the payload, and
never stops the bot: what goes wrong outside is said in one line and retried.
"""
