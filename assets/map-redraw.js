/* One redraw per map action, and none of a chart out of sight.
 *
 * After a pan or zoom, dcc.Graph copies the view the user made into its `figure` prop (so that
 * callbacks read it), and a new `figure` makes it call Plotly.react. On a map that react re-sends
 * every source to MapLibre to show what is already on screen: 0.5–0.9 s and four frames in
 * software WebGL, and the server's answer to the same pan waits behind it. A react whose data is
 * the very array drawn and whose layout and config equal the drawn ones changes nothing, so it is
 * skipped here; every other react goes through unchanged.
 */
(function () {
  "use strict";

  // Structural equality, cheap where the two share parts (dcc.Graph's copy shares the data).
  function sameValue(a, b) {
    if (a === b) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
      return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
    }
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
      if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      return true;
    }
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    if (keysA.length !== keysB.length) return false;
    for (const key of keysA) if (!sameValue(a[key], b[key])) return false;
    return true;
  }

  function hasMap(gd) {
    const subplots = gd && gd._fullLayout && gd._fullLayout._subplots;
    return !!(subplots && subplots.map && subplots.map.length);
  }

  // Plotly.react(gd, {data, layout, frames, config}) as dcc.Graph calls it, changing nothing drawn.
  function changesNothing(gd, figure, layoutArgument) {
    if (layoutArgument !== undefined || !figure || typeof figure !== "object" || Array.isArray(figure)) return false;
    if (!hasMap(gd) || figure.data !== gd.data || figure.frames) return false;
    const config = figure.config || {};
    if (gd.__rutasDrawnConfig !== undefined) {
      if (!sameValue(config, gd.__rutasDrawnConfig)) return false;
    } else if (!Object.keys(config).every((key) => sameValue(config[key], (gd._context || {})[key]))) {
      return false;  // drawn before this guard was installed: its config as Plotly holds it
    }
    return sameValue(withDefaults(figure.layout), withDefaults(gd.layout));
  }

  // dcc.Graph drops `autosize` when it equals Plotly's own default: absent and true are one.
  const LAYOUT_DEFAULTS = {autosize: true};

  function withDefaults(layout) {
    if (!layout || typeof layout !== "object") return layout;
    const filled = Object.assign({}, layout);
    for (const key of Object.keys(LAYOUT_DEFAULTS)) if (filled[key] === undefined) filled[key] = LAYOUT_DEFAULTS[key];
    return filled;
  }

  // A chart out of sight (the charts under the timeline, on most screens) is redrawn when it comes
  // near the window, not on every filter change: each redraw costs the page ~50-90 ms that the
  // map and the charts in sight wait behind. A drawn chart that is hidden has no place: it is
  // redrawn as before. A chart's own first draw waits, too, until it is shown near the window (a
  // hidden chart's until it is shown): a page load drew five charts, at 1600x1300 three of them
  // unseen (two hidden, one under the fold), while the map's first frame waited for the cores.
  // It is drawn as an empty stand-in meanwhile, since dcc.Graph binds its events to the plot its
  // first draw makes. A map is always drawn at once.
  const NEAR_PX = 100;  // a brisk scroll's ~0.1 s: the redraw is done as the chart shows
  const waiting = new Map();  // graph div -> the latest Plotly.react asked of it, as a function
  // Whether each drawn chart is near the window, as the observer last said: read, not measured, in
  // a react (measuring there would lay the page out again in the middle of Plotly's own changes).
  // A chart of no size (hidden) counts as in sight: it is drawn as before.
  const inSight = new WeakMap();
  let sight = null;

  function watch(element) {
    if (sight === null) {
      sight = new IntersectionObserver(function (entries) {
        for (const entry of entries) {
          const element = entry.target;
          if (!element.isConnected) {
            sight.unobserve(element);
            waiting.delete(element);
            inSight.delete(element);
            continue;
          }
          const box = entry.boundingClientRect;
          const near = standing.has(element) ? entry.isIntersecting && box.width > 0
            : entry.isIntersecting || (box.width === 0 && box.height === 0);
          inSight.set(element, near);
          if (near && waiting.has(element)) {
            const drawNow = waiting.get(element);
            waiting.delete(element);
            drawNow();
          }
        }
      }, {rootMargin: NEAR_PX + "px"});
    }
    if (!inSight.has(element)) {
      inSight.set(element, true);  // until the observer's first report
      sight.observe(element);
    }
  }

  function outOfSight(element) {
    if (!element || !element._fullLayout || hasMap(element) || !element.isConnected) return false;
    watch(element);
    return inSight.get(element) === false;
  }

  // The charts drawn as a stand-in so far (their own figure put off): graph divs.
  const standing = new WeakSet();

  function isMapFigure(figure) {
    if (!figure || typeof figure !== "object") return false;
    if (figure.layout && figure.layout.map) return true;
    return Array.isArray(figure.data) && figure.data.some((trace) => trace && /map$/.test(trace.type || ""));
  }

  // Whether a chart never drawn is, right now, shown near the window (measured: it has no
  // observer report yet; the page is laid out for its draw anyway).
  function firstDrawNear(element) {
    if (element.getClientRects().length === 0) return false;  // hidden: no box at all
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.bottom >= -NEAR_PX && box.top <= window.innerHeight + NEAR_PX &&
      box.right >= -NEAR_PX && box.left <= window.innerWidth + NEAR_PX;
  }

  function putsOffFirstDraw(element, figure) {
    if (!element || element._fullLayout || !element.isConnected || isMapFigure(figure)) return false;
    if (!figure || typeof figure !== "object" || Array.isArray(figure)) return false;
    return !firstDrawNear(element);
  }

  // What a chart put off is first drawn as: its own config (a new config makes Plotly draw anew,
  // dropping dcc.Graph's events) and size, no data, no axes: a few milliseconds, against the
  // ~50-90 ms of a chart with its axes, bars and text.
  function standIn(figure) {
    const layout = figure.layout || {};
    const kept = {};
    for (const key of ["autosize", "width", "height", "margin", "paper_bgcolor", "plot_bgcolor"]) {
      if (layout[key] !== undefined) kept[key] = layout[key];
    }
    return {data: [], layout: Object.assign(kept, {xaxis: {visible: false}, yaxis: {visible: false}, showlegend: false}),
            config: figure.config};
  }

  // Printed, the whole page shows: every chart put off is drawn first.
  window.addEventListener("beforeprint", function () {
    for (const [element, drawNow] of Array.from(waiting.entries())) {
      waiting.delete(element);
      drawNow();
    }
  });

  function install() {
    const plotly = window.Plotly;
    if (!plotly || typeof plotly.react !== "function") return false;
    if (plotly.react.__rutasSkipsUnchanged) return true;
    const react = plotly.react;
    const draw = function (element, self, args) {
      if (element) standing.delete(element);
      const figure = args[1];
      if (element && figure && typeof figure === "object" && !Array.isArray(figure)) {
        element.__rutasDrawnConfig = figure.config;
      }
      const drawn = react.apply(self, args);
      if (element && element.isConnected && element._fullLayout && !hasMap(element)) watch(element);
      return drawn;
    };
    const guarded = function (gd, figure, layoutArgument) {
      const element = typeof gd === "string" ? document.getElementById(gd) : gd;
      if (putsOffFirstDraw(element, figure)) {  // dcc.Graph binds its events to the stand-in
        const self = this, args = arguments;
        standing.add(element);
        waiting.set(element, function () { return draw(element, self, args); });
        watch(element);
        inSight.set(element, false);  // until the observer says it is shown near the window
        window.__rutasPutOffFirstDraws = (window.__rutasPutOffFirstDraws || 0) + 1;
        return react.call(self, element, standIn(figure));
      }
      if (outOfSight(element)) {
        const self = this, args = arguments;
        waiting.set(element, function () { return draw(element, self, args); });
        window.__rutasPutOffReacts = (window.__rutasPutOffReacts || 0) + 1;
        return Promise.resolve(element);
      }
      waiting.delete(element);  // a figure put off before this one is not drawn
      if (changesNothing(element, figure, layoutArgument)) {
        window.__rutasSkippedReacts = (window.__rutasSkippedReacts || 0) + 1;
        return Promise.resolve(element);
      }
      return draw(element, this, arguments);
    };
    guarded.__rutasSkipsUnchanged = true;
    plotly.react = guarded;
    return true;
  }

  // Plotly arrives with the first graph (Dash loads it on demand): wrap it as soon as it is there.
  if (!install()) {
    const timer = window.setInterval(function () { if (install()) window.clearInterval(timer); }, 25);
  }
})();
