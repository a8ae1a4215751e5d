"""The package version, in a module of its own so that modules inside tfxlearn
(e.g. `export`, which records it) read it without importing the package."""

__version__ = "0.4.0"
