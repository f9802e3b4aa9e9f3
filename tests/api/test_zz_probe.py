import pytest
from tests.api.factories import make_version
pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("overrides", [
    {"params": {"termination.max_ticks": 10**20}},
    {"templates": {"rescuer": {"count": 10**7}}},
    {"templates": {"rescuer": {"name": "x" * 300 + " {n}"}}},
    {"templates": {"rescuer": {"role": "x" * 300}}},
    {"params": {"seed": 5}},
])
def test_probe(api, overrides):
    v = make_version("Ticks")
    r = api.post("/api/runs/", {"version": v.pk, "overrides": overrides}, format="json")
    print(r.status_code, str(getattr(r, "data", ""))[:200])
