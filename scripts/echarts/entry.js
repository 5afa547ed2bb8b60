// The charts zhizao's pages draw (bar, line, pie, scatter; title, tooltip, legend, grid, markArea)
// on the canvas renderer, exposed as the global ``echarts`` the pages' script calls.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import { TitleComponent, TooltipComponent, LegendComponent, GridComponent, MarkAreaComponent } from 'echarts/components';
import { LabelLayout } from 'echarts/features';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, ScatterChart, TitleComponent, TooltipComponent, LegendComponent,
             GridComponent, MarkAreaComponent, LabelLayout, CanvasRenderer]);
window.echarts = echarts;
