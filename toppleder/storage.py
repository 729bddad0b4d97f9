"""Static files in production: hashed, compressed names (WhiteNoise), with the ES module imports
in our own scripts (static/js/) rewritten to the hashed names too.

Punkt's web components are left as they are: their chunks import each other in circles, which
Django's rewriting cannot settle ("Max post-process passes exceeded"); their file names carry a
content hash already, and they load each other by those unhashed names, which are kept."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
    _js_module_import_aggregation_patterns = (
        "js/*.js",
        CompressedManifestStaticFilesStorage._js_module_import_aggregation_patterns[1],
    )
