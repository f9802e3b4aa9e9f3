"""The "design from a brief" form: who designs, who the agents run on, and the brief."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from scenarios_app.services import default_agent_model

SAME_AS_DESIGNER = ""
MAX_BRIEF = 4000


class DesignBriefForm(forms.Form):
    """A brief to design a scenario from, the designer model, and the model the agents run on."""

    model = forms.ChoiceField(label="Designer model")
    agent_model = forms.ChoiceField(label="Agents' model", required=False)
    brief = forms.CharField(
        label="Brief",
        max_length=MAX_BRIEF,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": "A hospital evacuation with three nurses, a panicking crowd "
                "and only one boat.",
            }
        ),
    )

    def __init__(self, *args: Any, models: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = cast(forms.ChoiceField, self.fields["model"])
        model.choices = [(m, m) for m in models]
        agents = [(SAME_AS_DESIGNER, "Designer's Ollama model, else offline/heuristic")]
        agent_model = cast(forms.ChoiceField, self.fields["agent_model"])
        agent_model.choices = agents + [(m, m) for m in models]
        for name, field in self.fields.items():
            css = "form-select form-select-sm" if name != "brief" else "form-control"
            field.widget.attrs.setdefault("class", css)

    def agents(self) -> str:
        chosen = self.cleaned_data.get("agent_model") or SAME_AS_DESIGNER
        return chosen or default_agent_model(self.cleaned_data["model"])
