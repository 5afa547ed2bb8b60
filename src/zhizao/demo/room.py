"""演示城市: ``zhizao demo`` (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Command, Room

ROOM = Room(name="demo", title="演示城市", cli="zhizao.demo.cli",
            commands=(Command("demo", "演示城市：生成数据、导入、评价并启动网页（不带子命令时完整运行）", group=True),))
