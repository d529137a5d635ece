"""Risk-of-bias colours, symbols and domain names shared by the RoB figures and the forest
plot's risk-of-bias columns (temporary: to be reconciled with _rob_plots)."""

from __future__ import annotations

__all__ = ["rob_colours", "rob_domain_names", "rob_symbol"]

_COLOURS = {
    ("rob2", "cochrane"): {
        "low": "#02C100",
        "some concerns": "#E2DF07",
        "high": "#BF0000",
        "no information": "#4EA1F7",
    },
}
_SYMBOLS = {"low": "+", "some concerns": "\u2212", "high": "\u00d7", "no information": "?"}
_NAMES = {
    "D1": "Bias arising from the randomisation process",
    "D2": "Bias due to deviations from intended interventions",
    "D3": "Bias due to missing outcome data",
    "D4": "Bias in measurement of the outcome",
    "D5": "Bias in selection of the reported result",
}


def rob_colours(tool: str, palette: str) -> dict[str, str]:
    return _COLOURS[(tool, palette)]


def rob_symbol(tool: str, judgement: str) -> str:
    return _SYMBOLS[judgement]


def rob_domain_names(tool: str) -> dict[str, str]:
    return _NAMES
