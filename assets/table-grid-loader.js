/* The events table's grid code loads when the table comes near the window, not with the page.
 *
 * dash_ag_grid's code is 2.2 of the page's 6.3 MB of scripts, and the table sits below the map:
 * a first page load at 100k took 2.4 s instead of 2.9 without it (README, "The table's grid code
 * comes with the table"). The page carries the grid's script tag inert (type
 * "text/x-rutas-deferred", dashboard/serving.py page_scripts, id GRID_CODE_ID); until it runs,
 * `dash_ag_grid.AgGrid` here is a placeholder of the grid's size that loads the code once it is
 * 300 px from being seen, then draws the real grid with the same props. The namespace stays this
 * object (the real one's exports are copied in), so Dash keeps the same component and the grid is
 * mounted once.
 *
 * window.rutasTableGrid: loaded() -> bool, load() -> Promise (tests and the grid's own callbacks).
 */
(function () {
  "use strict";

  const GRID_CODE_ID = "rutas-grid-code";  // dashboard/serving.py GRID_CODE_ID
  const NEAR = "300px 0px";  // start a little before the table shows (its code is in ~0.4 s later)
  let realGrid = null;      // dash_ag_grid's own namespace, once its code has run
  let loading = null;
  const onLoaded = new Set();
  const namespace = {};

  function load() {
    if (realGrid) return Promise.resolve(realGrid);
    if (loading) return loading;
    const inert = document.getElementById(GRID_CODE_ID);
    if (!inert) return Promise.reject(new Error("the page holds no grid code (#" + GRID_CODE_ID + ")"));
    loading = new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = inert.src;
      script.onload = function () {
        const loaded = window.dash_ag_grid;
        window.dash_ag_grid = namespace;
        if (!loaded || loaded === namespace || !loaded.AgGrid) {
          loading = null;
          reject(new Error("the grid code ran but defined no dash_ag_grid.AgGrid"));
          return;
        }
        realGrid = loaded;
        for (const key of Object.keys(loaded)) if (key !== "AgGrid") namespace[key] = loaded[key];
        onLoaded.forEach(function (callback) { callback(); });
        onLoaded.clear();
        resolve(realGrid);
      };
      script.onerror = function () {
        loading = null;  // the next approach of the table tries again
        script.remove();
        reject(new Error("the grid code could not be fetched: " + inert.src));
      };
      document.body.appendChild(script);
    });
    return loading;
  }

  // Placeholder's words: the grid's own loading text, in the page language, when the page gave one.
  function waitingText(props) {
    const words = props.dashGridOptions && props.dashGridOptions.localeText;
    return (words && words.loadingOoo) || "Loading…";
  }

  function AgGrid(props) {
    const React = window.React;
    const [, redraw] = React.useReducer(function (n) { return n + 1; }, 0);
    const box = React.useRef(null);
    React.useEffect(function () {
      if (realGrid) return undefined;
      let live = true;
      const whenLoaded = function () { if (live) redraw(); };
      onLoaded.add(whenLoaded);
      const observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (entry) { return entry.isIntersecting; })) {
          load().catch(function (error) { console.error(error); });
        }
      }, {rootMargin: NEAR});
      observer.observe(box.current);
      return function () { live = false; observer.disconnect(); onLoaded.delete(whenLoaded); };
    }, []);
    if (realGrid) return React.createElement(realGrid.AgGrid, props);
    return React.createElement("div", {
      ref: box, id: props.id, style: props.style, "aria-busy": "true",
      className: ((props.className || "") + " table-grid-waiting").trim(),
    }, React.createElement("span", {className: "table-grid-waiting-text"}, waitingText(props)));
  }
  // What Dash's renderer reads off the component, as dash_ag_grid's own AgGrid declares it.
  AgGrid.dashRenderType = true;
  AgGrid.dashPersistence = {persisted_props: ["selectedRows"], persistence_type: "local"};

  function noGrid(id) { return new Error("no grid found, or grid is not initialized yet, with id: " + id); }
  namespace.AgGrid = AgGrid;
  namespace.getApi = function (id) { throw noGrid(id); };
  // Before the code is in: wait for it (without fetching it), then for the grid, as dash_ag_grid does.
  namespace.getApiAsync = function (id) {
    return new Promise(function (resolve) { realGrid ? resolve() : onLoaded.add(resolve); })
      .then(function () { return namespace.getApiAsync(id); });
  };
  window.dash_ag_grid = namespace;
  window.rutasTableGrid = {loaded: function () { return realGrid !== null; }, load: load};
})();
