"""A local simulator of the LucidLink Service API v1, for development and tests.

It is a separate program (`python -m lucidsim`): the portal never imports it and it never
imports the portal. See README.md beside this file.
"""

__version__ = "0.1.0"
