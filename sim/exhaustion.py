"""Exhaustion as impeded relationship: overload plus the loss of connective time.

After Pugh (seed 001): burnout is not only too much work but the crowding-out of the human
contact (coaching, customer conversations) that gives work its purpose. Exhaustion rises with
demand above capacity and with lost connective time, recovers otherwise, and costs attention.
"""

from __future__ import annotations

import numpy as np


def connective_hours(target: np.ndarray, felt_pressure: np.ndarray) -> np.ndarray:
    """Connective time people keep when pressed: the backlog crowds it out."""
    return target * (1.0 - felt_pressure)


def shift_hours(
    attention: np.ndarray,
    exhaustion: np.ndarray,
    connective: np.ndarray,
    felt_pressure: np.ndarray,
    capacity_loss: float,
    max_overtime_hours: float,
    hours_per_day: float,
) -> np.ndarray:
    """Hours a person gives to the queue today.

    Attention, less exhaustion and connective time, plus overtime (the evenings) when the
    backlog presses, all within the working day.
    """
    hours = attention * (1.0 - capacity_loss * exhaustion) - connective
    hours += max_overtime_hours * felt_pressure
    return np.clip(hours, 0.0, hours_per_day - connective)


def updated_exhaustion(
    exhaustion: np.ndarray,
    overload: np.ndarray,
    lost_connection: np.ndarray,
    overload_gain: float,
    isolation_gain: float,
    recovery_per_day: float,
) -> np.ndarray:
    """Exhaustion after one day.

    Args:
        exhaustion: exhaustion per person (0..1).
        overload: hours worked beyond attention, relative to attention.
        lost_connection: share of the person's connective time crowded out today.
        overload_gain: rise per unit of overload.
        isolation_gain: rise at fully lost connection.
        recovery_per_day: recovery rate.

    Returns:
        The new exhaustion per person, in [0, 1].
    """
    rise = (overload_gain * overload + isolation_gain * lost_connection) * (1.0 - exhaustion)
    return np.clip(exhaustion + rise - recovery_per_day * exhaustion, 0.0, 1.0)
