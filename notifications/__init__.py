"""Per-user notifications for Django: REST on DRF, live delivery on Channels."""

__version__ = "0.1.0"
