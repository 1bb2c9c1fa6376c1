from firmware import sqlite_numpy

sqlite_numpy.install()
