from tests.support.api import api

__all__ = ["api"]
