"""FXS ports: analog phones on a SLIC line-controller HAT (protocol in
docs/hardware/slic-controller.md), and a simulator of the controller with phones."""

from hal.fxs.controller import ControllerError, FxsPort, SlicController
from hal.fxs.sim import SlicSimulator, VirtualPhone

__all__ = ["ControllerError", "FxsPort", "SlicController", "SlicSimulator", "VirtualPhone"]
