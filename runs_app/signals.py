"""Events a run announces to the rest of the app, so that announcers import no listener."""

from django.dispatch import Signal

# Sent once a run's final status has committed, with keyword arguments `run_id`,
# `batch_id` (None outside a batch) and `status`; receivers are connected in apps.py.
run_finished = Signal()
