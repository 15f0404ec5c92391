"""The HTTP routes, one blueprint per module."""
from . import links, log, lookup, meta, register

BLUEPRINTS = (register.bp, lookup.bp, links.bp, meta.bp, log.bp)
