"""Shared pytest configuration: Hypothesis profiles (--hardware is the kit's plugin)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# "dev" keeps local runs quick; CI=true selects "ci" (a few more examples, no deadline
# flakiness on a loaded 2-core machine). Select explicitly with HYPOTHESIS_PROFILE.
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# --hardware DEVICE, the hardware marker and the hardware_device fixture come from the
# conformance kit's pytest plugin (slotrace.drivers_api.conformance.plugin, entry point pytest11).
