"""Q.850 hangup causes that mean the network or a device failed, as opposed to someone hanging up."""

# A conversation that ends with one of these was cut off, not finished: it is "dropped" (LT-2021 §12.25).
FAILURE_CAUSES = frozenset({
    27,   # destination out of order
    34,   # no circuit/channel available
    38,   # network out of order
    41,   # temporary failure
    42,   # switching equipment congestion
    44,   # requested channel not available
    47,   # resource unavailable
    58,   # bearer capability not available
    63,   # service or option not available
    102,  # recovery on timer expiry
    111,  # protocol error
    127,  # interworking, unspecified
})


def is_failure(cause: int | None) -> bool:
    return cause in FAILURE_CAUSES


def parse_cause(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
