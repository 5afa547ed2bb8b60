"""zhizao (智造): an open platform for a city's Bureau of Economy and Information Technology."""

__version__ = "0.1.0"
