from __future__ import annotations

import pytest
from registry_helpers import SleepRecorder


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()
