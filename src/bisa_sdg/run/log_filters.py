"""Filters on the handlers of the run's loggers: the root logger and Prefect's logger tree."""

from __future__ import annotations

import logging


def add_to_handlers(filter_type: type[logging.Filter]) -> None:
    """Add one ``filter_type`` to every handler of the root and Prefect loggers, once.

    Handler filters, not logger filters: a logger's filters do not see records propagated from its children.
    Prefect's handlers (console, API log shipping) hang on the 'prefect' logger tree.
    """
    loggers = [logging.getLogger()] + [
        logging.getLogger(name)
        for name in list(logging.Logger.manager.loggerDict)
        if name.startswith("prefect")
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, filter_type) for f in handler.filters):
                handler.addFilter(filter_type())
