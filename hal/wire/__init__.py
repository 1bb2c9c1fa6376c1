"""Serial wires: the reconnecting pySerial link drivers use, and the simulated
devices' end of a pty or TCP socket."""

from hal.wire.lines import LineSplitter
from hal.wire.link import LinkDown, SerialLink
from hal.wire.simport import PtyPort, SimPort, TcpPort

__all__ = ["LineSplitter", "LinkDown", "PtyPort", "SerialLink", "SimPort", "TcpPort"]
