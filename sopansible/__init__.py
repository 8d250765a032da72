"""sopansible: runs the court website SOPs with the pn.website collection and reports on them."""

__version__ = "0.1.0"
