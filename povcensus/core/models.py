"""Shared model bases and the background-job record used to show progress in pages."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")  # created, waiting for a worker
    RUNNING = "running", _("运行中")  # a worker picked it up; progress is live
    SUCCEEDED = "succeeded", _("已完成")  # finished; ``result`` holds the outcome
    FAILED = "failed", _("失败")  # stopped; ``error`` holds a coded error, nothing half-written


class Job(models.Model):
    """A long piece of work run by a background worker (imports, bulk rule runs, exports).

    Live progress is kept in the cache (see ``core.progress``) because the work itself
    usually runs inside one transaction whose writes nobody can see until it commits.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=JobStatus, default=JobStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    area_code = models.CharField(max_length=15, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} {self.status}"
