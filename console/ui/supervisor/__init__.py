"""The duty supervisor's (值班长) board: live queue, late items, station acknowledgements, operators,
today's figures and charts, actions on the queue, and the reports dialog."""

from console.ui.supervisor.board import SupervisorBoard
from console.ui.supervisor.reports_dialog import ReportsDialog

__all__ = ["ReportsDialog", "SupervisorBoard"]
