"""The account's tests enrol people as the enrollment tests do."""

from tests.enrollment.conftest import enroll  # noqa: F401 - fixture
from tests.enrollment.conftest import registry  # noqa: F401 - fixture
