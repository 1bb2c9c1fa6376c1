from firmware import sqlite_imports

sqlite_imports.install()
