/* One redraw per map action.
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

  function install() {
    const plotly = window.Plotly;
    if (!plotly || typeof plotly.react !== "function") return false;
    if (plotly.react.__rutasSkipsUnchanged) return true;
    const react = plotly.react;
    const guarded = function (gd, figure, layoutArgument) {
      const element = typeof gd === "string" ? document.getElementById(gd) : gd;
      if (changesNothing(element, figure, layoutArgument)) {
        window.__rutasSkippedReacts = (window.__rutasSkippedReacts || 0) + 1;
        return Promise.resolve(element);
      }
      if (element && figure && typeof figure === "object" && !Array.isArray(figure)) {
        element.__rutasDrawnConfig = figure.config;
      }
      return react.apply(this, arguments);
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
