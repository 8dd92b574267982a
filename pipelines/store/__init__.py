"""Stores: the protocol, the local folder and S3 implementations, and the verified upload."""
