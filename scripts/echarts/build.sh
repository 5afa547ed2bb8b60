#!/usr/bin/env bash
# Rebuild the ECharts bundle the pages load (src/zhizao/web/static/vendor/echarts/echarts.min.js)
# from the npm registry's echarts with esbuild, both pinned in package-lock.json: only the charts
# and components the pages draw (entry.js), about half the size of ECharts' full build. Needs Node
# and npm; neither the tests nor the demo run it (the bundle is committed). After changing
# entry.js: run this, then the browser tests (every chart of every page is drawn in Chromium).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../src/zhizao/web/static/vendor/echarts"
cd "$here"
npm ci --no-audit --no-fund --ignore-scripts
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --target=es2017 --legal-comments=eof \
  --define:process.env.NODE_ENV='"production"' --outfile="$out/echarts.min.js"
sum="$(sha256sum "$out/echarts.min.js" | cut -d' ' -f1)"
cat > "$out/VERSION" <<TXT
echarts 5.6.0 (Apache-2.0), with zrender 5.6.1 (BSD-3-Clause) and tslib 2.3.0 (0BSD), from the npm registry
built by scripts/echarts/build.sh: esbuild 0.24.2 bundling scripts/echarts/entry.js (bar, line, pie and scatter
charts; title, tooltip, legend, grid and markArea components; label layout; canvas renderer), minified
sha256(echarts.min.js): $sum
TXT
echo "$out/echarts.min.js: $(wc -c < "$out/echarts.min.js") bytes, sha256 $sum"
