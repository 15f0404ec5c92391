"""Small statistics over samples: median, percentiles, ratios. Times are in
seconds unless a name says otherwise."""
import math


def median(samples):
    return percentile(samples, 50)


def percentile(samples, pct):
    """Linear-interpolated percentile of a non-empty sequence."""
    data = sorted(samples)
    if not data:
        raise ValueError("no samples")
    rank = (len(data) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def ratio(value, reference):
    """value / reference, or None when either is missing or the reference is 0."""
    if value is None or not reference:
        return None
    return value / reference


def summary(samples):
    """{"n", "median", "p50", "p99", "min", "max"} of a list of samples."""
    return {
        "n": len(samples),
        "median": median(samples),
        "p50": percentile(samples, 50),
        "p99": percentile(samples, 99),
        "min": min(samples),
        "max": max(samples),
    }
