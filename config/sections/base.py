"""Common base for settings sections: unknown keys are errors, not silently ignored."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A settings section. Typos in key names are reported instead of being dropped."""

    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=False)
