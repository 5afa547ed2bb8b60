"""What is wrong with a page's charts, asked of ECharts in the browser: a chart not drawn whole,
or drawn without a title saying what it shows. The crawl of every role's pages, the role pages'
test and the projects room's pages ask it of every chart they open, so a chart type or component
left out of the ECharts bundle the pages load (scripts/echarts/entry.js) fails them."""

from __future__ import annotations

#: for each chart of the page: what its option names and the drawn chart lacks, and a missing
#: title ([] when the chart is whole and titled).
#: A component ECharts was not built with is dropped without a word (its option stays in
#: ``getOption()``), so the chart's model is asked which components it made.
CHART_PROBLEMS = """
() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
  const name = el.getAttribute('data-chart');
  const declared = JSON.parse(document.getElementById(name).textContent);
  const chart = window.echarts && echarts.getInstanceByDom(el);
  if (!chart || !el.hasAttribute('data-rendered')) return [name + ' 未绘制'];
  const model = chart.getModel();
  const kinds = ['title', 'legend', 'tooltip', 'grid', 'xAxis', 'yAxis', 'polar', 'radar', 'dataZoom', 'visualMap',
                 'toolbox', 'dataset', 'graphic', 'timeline', 'calendar', 'brush'];
  const want = new Set(Object.keys(declared).filter(k => kinds.includes(k)));
  (declared.series || []).forEach(s => ['markArea', 'markLine', 'markPoint'].forEach(k => { if (s[k]) want.add(k); }));
  const types = model.getSeries().map(s => s.subType);
  return [...(declared.title && declared.title.text ? [] : [name + ' 无标题']),
          ...[...want].filter(k => !model.getComponent(k)).map(k => name + ' 缺少 ' + k),
          ...(declared.series || []).filter(s => !types.includes(s.type)).map(s => name + ' 缺少图形 ' + s.type)];
})
"""


def chart_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What the page's charts name but did not draw, and charts without a title (empty: every
    chart drawn whole and titled), once every chart had its turn to draw."""
    page.wait_for_function("() => !document.querySelector('[data-chart]:not([data-rendered])')", timeout=20_000)
    return [m for chart in page.evaluate(CHART_PROBLEMS) for m in chart]
