"""演示城市: ``zhizao demo`` (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Room

ROOM = Room(name="demo", title="演示城市", cli="zhizao.demo.cli")
