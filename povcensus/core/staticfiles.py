"""Static-file storage: hashed names, including ES-module imports inside bundles."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    # The Web Forms bundle imports its chunks with ES-module syntax; rewrite those imports
    # too so that every chunk is cache-busted, not only the entry point.
    support_js_module_import_aggregation = True
    manifest_strict = False
