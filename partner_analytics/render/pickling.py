"""Pickling the report context: read-only mappings (inside :class:`~partner_analytics.params.Params`) included."""

from __future__ import annotations

import copyreg
import pickle
from types import MappingProxyType
from typing import BinaryIO

__all__ = ["dump"]


def _mapping_proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


def _reduce_mapping_proxy(proxy: MappingProxyType) -> tuple:
    # read-only mappings are not picklable by default; rebuild them from a dict
    return _mapping_proxy, (dict(proxy),)


def dump(value: object, handle: BinaryIO) -> None:
    """Pickle ``value`` into ``handle`` (highest protocol), read-only mappings as well."""
    pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_mapping_proxy}
    pickler.dump(value)
