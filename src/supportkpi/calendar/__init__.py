"""Business schedules, holidays and business-time arithmetic (numpy and portable Ibis)."""

from supportkpi.calendar.clock import BusinessClock
from supportkpi.calendar.schedule import (
    Schedule,
    add_business_seconds,
    business_seconds,
    to_micros,
)

__all__ = ["BusinessClock", "Schedule", "add_business_seconds", "business_seconds", "to_micros"]
