"""schemathesis hooks for the fuzz test: Glance's JSON-patch media type is JSON on the wire."""
import schemathesis

schemathesis.serializer.alias("application/openstack-images-v2.1-json-patch", "application/json")
