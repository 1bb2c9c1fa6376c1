"""Board descriptions: what hardware a box has (boards/*.toml)."""
from hal.board.model import Board, BoardError, load_board

__all__ = ["Board", "BoardError", "load_board"]
