"""Board descriptions: what hardware a box has (boards/*.toml, see docs/boards.md)."""

from hal.board.errors import BoardError
from hal.board.model import Board, load_board

__all__ = ["Board", "BoardError", "load_board"]
