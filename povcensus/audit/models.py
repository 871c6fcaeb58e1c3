"""The append-only audit log.

Invariants:

* rows are only ever inserted: the database refuses UPDATE, DELETE and TRUNCATE on this
  table (triggers installed by migration 0002, on PostgreSQL and on SQLite);
* the log is a small number of parallel hash chains (decision 0003): within chain ``c``,
  ``seq`` runs 1, 2, 3 … without gaps and each row's ``prev_hash`` is the ``hash`` of the
  row before it; ``hash`` is the SHA-256 of the row's canonical content (``chain.py``), so an
  edited, deleted or inserted row breaks its chain at that point;
* ``id`` orders all events globally (it may have gaps: rolled-back transactions);
* ``actor_id`` is not a foreign key: history outlives the users it mentions.
"""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    chain = models.PositiveSmallIntegerField(default=0)
    seq = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    area_code = models.CharField(max_length=15, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq_unique")
        ]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["area_code", "id"]),
            models.Index(fields=["action", "id"]),
            models.Index(fields=["actor_id", "id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.id} ({self.chain}/{self.seq}) {self.action} {self.object_type}:{self.object_id}"
