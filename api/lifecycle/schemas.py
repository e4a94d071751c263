"""Bodies for model activation, training runs and background jobs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.validation import UtcTime
from models.kind_names import DEFAULT_KIND, ENCODER_LAYERS, Kind
from models.precision import Precision


class ActivateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force: bool = False


class TrainingRunIn(BaseModel):
    """What to train: the model kind, and whether reviewed notes from the store join the seed corpus."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind = DEFAULT_KIND
    include_reviewed: bool = True
    layers: int = Field(
        default=ENCODER_LAYERS,
        ge=1,
        le=ENCODER_LAYERS,
        description="transformer only: encoder blocks kept and tuned",
    )
    precision: Precision = Field(
        default="auto",
        description="transformer only: the number format of fine-tuning's products "
        "(auto: bf16 where the CPU has native bfloat16, else fp32)",
    )


class JobOut(BaseModel):
    """A background job; `progress` runs from 0 to 1, `log` holds its latest lines."""

    id: int
    kind: str
    status: str
    progress: float
    message: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    version: str | None
    error: str | None
    log: list[str]
    requested_by: str
    created_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None


class JobList(BaseModel):
    runs: list[JobOut]
