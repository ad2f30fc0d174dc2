"""Reactions as the overlay's chips show them: one display form per reaction."""

import pytest

from bot.reactions import reactions


@pytest.mark.parametrize("text", ["gg", "GG!!", "GGG", "gggg", "GG GG"])
def test_every_spelling_of_gg_is_one_chip(text):
    """GG, GGG and gggg are one reaction ("GG"), so chat's GGs are counted together, not split over chips."""
    assert reactions(text) == ("GG",)
