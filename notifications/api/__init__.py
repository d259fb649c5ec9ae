"""The HTTP wing: DRF views over the services, their serializers, filters and pages."""
