"""demo-trader: the small trading platform the demo deploys (release 1.4.0)."""

__version__ = "1.4.0"
