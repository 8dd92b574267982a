"""Evidence a reader can check without us: who captured a crawl, when, by what and how.

A crawl's sha256 sums prove nothing once the manifest that lists them can be edited, so this
package makes the bundle self-proving: a signing key and the WACZ signing spec's anonymous
``signedData`` over ``datapackage-digest.json`` (``signing_key``, ``signature``), an RFC 3161
timestamp of that digest (``timestamp``), the crawl's provenance (``provenance``), and the offline
checks of all of it (``wacz_check``). The archive library side only: ``crawler/`` calls it, it never
imports ``crawler/``, and nothing here prints.
"""
