"""The public status page's core: menus, figures, rollups, incidents and snapshots.

Other packages use what is re-exported here; the modules are private.
"""

from foundation.korea import KOREA
from service_status.beacons import ScreenLoadRecord, record_screen_loads
from service_status.figures import (
    WINDOWS,
    IncidentFigures,
    MenuFigures,
    OverallStatus,
    ReadinessNow,
    StatusSnapshot,
    WindowFigures,
    compute_snapshot,
)
from service_status.incidents import UnknownIncident, add_incident_note, evaluate_incidents
from service_status.menus import ALL_SERVICES, MENU_IDS, MENUS, MENUS_BY_ID, Menu, menu_of
from service_status.rollups import roll_up
from service_status.snapshots import ServedSnapshot, SnapshotStore, snapshot_path

__all__ = [
    "ALL_SERVICES",
    "KOREA",
    "MENUS",
    "MENUS_BY_ID",
    "MENU_IDS",
    "WINDOWS",
    "IncidentFigures",
    "Menu",
    "MenuFigures",
    "OverallStatus",
    "ReadinessNow",
    "ScreenLoadRecord",
    "ServedSnapshot",
    "SnapshotStore",
    "StatusSnapshot",
    "UnknownIncident",
    "WindowFigures",
    "add_incident_note",
    "compute_snapshot",
    "evaluate_incidents",
    "menu_of",
    "record_screen_loads",
    "roll_up",
    "snapshot_path",
]
