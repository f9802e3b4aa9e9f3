"""Forms of the scenario pages: the designer (every part of a spec) and small action forms."""

from scenarios_app.forms.designer import (
    ScenarioDesigner,
    apply_row_op,
    document_to_data,
    split_path,
)
from scenarios_app.forms.sections import ScenarioForm

__all__ = [
    "ScenarioDesigner",
    "ScenarioForm",
    "apply_row_op",
    "document_to_data",
    "split_path",
]
