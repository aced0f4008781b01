"""The gateway's one table: fingerprints of the signed mutating requests it has executed (the replay guard)."""

from django.db import models


class SignedRequest(models.Model):
    """One executed signed mutating request, kept while its timestamp can still pass the window.

    Written in the same transaction as the request's effect (see gateway/replay.py), so a request and its
    fingerprint commit or vanish together; the unique constraint is what refuses the second execution, in every
    process, across a Redis restart. `fingerprint` is a SHA-256 of the signature (never the signature itself).
    """

    key_id = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "fingerprint"], name="signed_request_once"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by key #{self.key_id} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
