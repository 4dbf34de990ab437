"""The Qt front end.  Importing it first installs the guard of :mod:`console.ui.qt_refcounts`."""

from console.ui import qt_refcounts as _qt_refcounts  # noqa: F401 - installed for its side effect
