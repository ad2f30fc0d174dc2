"""moodbot: a live mood meter for VTuber streams."""

__version__ = "0.1.0"
