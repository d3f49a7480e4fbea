"""Exhaustion as impeded relationship: overload plus the loss of connective time.

After Pugh (seed 001): burnout is not only too much work but the crowding-out of the human
contact (coaching, customer conversations) that gives work its purpose. Exhaustion rises with
demand above capacity and with lost connective time, recovers otherwise, and costs attention.

Under the job demands-resources model (Demerouti, Bakker, Nachreiner & Schaufeli 2001;
`jdr_exhaustion`) the demands are what the job asks, not what a tired person manages to give:
the hours the queue asks beyond attention, and the hours spent checking AI output or triaging;
the lost resources are connective time and control; and the evenings worked are evenings
without recovery. People differ (`attention_factors`, `susceptibility`).
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
    susceptibility: np.ndarray | None = None,
) -> np.ndarray:
    """Exhaustion after one day.

    Args:
        exhaustion: exhaustion per person (0..1).
        overload: hours worked beyond attention, relative to attention.
        lost_connection: share of the person's connective time crowded out today.
        overload_gain: rise per unit of overload.
        isolation_gain: rise at fully lost connection.
        recovery_per_day: recovery rate.
        susceptibility: per person, a factor on the rise (None: 1 for everyone).

    Returns:
        The new exhaustion per person, in [0, 1].
    """
    rise = (overload_gain * overload + isolation_gain * lost_connection) * (1.0 - exhaustion)
    if susceptibility is not None:
        rise = rise * susceptibility
    return np.clip(exhaustion + rise - recovery_per_day * exhaustion, 0.0, 1.0)


def jdr_exhaustion(
    exhaustion: np.ndarray,
    demands: tuple[np.ndarray, np.ndarray],
    lost: tuple[np.ndarray, np.ndarray],
    evenings_taken: np.ndarray,
    gains: tuple[float, float, float, float],
    recovery_per_day: float,
    susceptibility: np.ndarray | None = None,
) -> np.ndarray:
    """Exhaustion after one day under the job demands-resources model.

        rise     = s · (g_o · overload + g_v · checking + g_i · lost connection
                        + g_c · lost control) · (1 − E)
        recovery = recovery_per_day · E · (1 − evenings taken)

    Args:
        exhaustion: exhaustion per person (0..1).
        demands: (overload, checking): hours the queue asks beyond attention, and hours spent
            checking AI output or triaging, each relative to attention.
        lost: (lost connection, lost control): the share of connective time crowded out, and
            the share of the day's work done within the tool's framing.
        evenings_taken: share of the evenings (the overtime allowance) the queue took today;
            recovery needs them (effort-recovery: Meijman & Mulder 1998).
        gains: (overload, validation, isolation, control) gains: the rise per unit of each.
        recovery_per_day: recovery rate on a day with free evenings.
        susceptibility: per person, a factor on the rise (None: 1 for everyone).

    Returns:
        The new exhaustion per person, in [0, 1].
    """
    overload, checking = demands
    lost_connection, lost_control = lost
    g_overload, g_validation, g_isolation, g_control = gains
    rise = (
        g_overload * overload
        + g_validation * checking
        + g_isolation * lost_connection
        + g_control * lost_control
    ) * (1.0 - exhaustion)
    if susceptibility is not None:
        rise = rise * susceptibility
    recovery = recovery_per_day * exhaustion * (1.0 - np.clip(evenings_taken, 0.0, 1.0))
    return np.clip(exhaustion + rise - recovery, 0.0, 1.0)


def attention_factors(rng: np.random.Generator, n: int, cv: float) -> np.ndarray:
    """Per person, a mean-1 lognormal factor on attention with coefficient of variation `cv`."""
    sigma = np.sqrt(np.log1p(cv * cv))
    return rng.lognormal(-0.5 * sigma * sigma, sigma, n)


def susceptibility(rng: np.random.Generator, n: int, sd: float) -> np.ndarray:
    """Per person, a mean-1 lognormal susceptibility to exhaustion of log-sd `sd`."""
    return rng.lognormal(-0.5 * sd * sd, sd, n)
