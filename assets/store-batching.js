/* React hears of Dash's store once per task, not once per store action.
 *
 * Dash 4's renderer keeps the page in one Redux store, and react-redux runs the selector of every
 * mounted component wrapper (~300 on the dashboard) on each store action: a filter change makes
 * ~160 actions (each callback's queue steps, loading flags, paths), a page load ~570 (one reset
 * per new wrapper). That was ~100 ms of a type pick's main thread and ~300 ms of a page load
 * (CPU profiles in Chromium, issue 16). React needs only the last state of such a burst, so its
 * subscription is told at most once per task; Dash's own store observer (which drives the
 * callbacks) still hears every action. A change made inside a user's event (typing, a click) is
 * told at once, so a controlled input re-renders before the event ends and keeps its caret.
 *
 * Depends on two details of dash-renderer 4.4 (requirements.txt pins it; tests/browser/
 * test_store_batching.py fails if either changes): the renderer assigns the store to
 * ``window.store`` before React subscribes, and react-redux's listener calls ``onStateChange``.
 */
(function () {
    "use strict";
    var counts = {actions: 0, told: 0, batched: false};
    window.rutasStoreBatching = counts;

    var channel = new MessageChannel();
    var pending = [];
    channel.port1.onmessage = function () {
        var jobs = pending.splice(0);
        for (var i = 0; i < jobs.length; i++) jobs[i]();
    };
    function later(job) {
        pending.push(job);
        if (pending.length === 1) channel.port2.postMessage(0);
    }

    // A user's input: keys, pointer, focus, wheel (UIEvents) and a field's input or change.
    function inUserEvent() {
        var event = window.event;
        return !!event && (event instanceof UIEvent || event.type === "input" || event.type === "change");
    }

    function batched(listener) {
        var queued = false;
        function tell() {
            queued = false;
            counts.told += 1;
            listener();
        }
        return function () {
            counts.actions += 1;
            if (inUserEvent()) {  // React must see it before the event ends
                counts.told += 1;
                listener();
            } else if (!queued) {
                queued = true;
                later(tell);
            }
        };
    }

    function wrap(store) {
        if (!store || store.rutasBatched) return;
        store.rutasBatched = true;
        var subscribe = store.subscribe;
        store.subscribe = function (listener) {
            if (String(listener).indexOf("onStateChange") < 0) return subscribe(listener);
            counts.batched = true;
            return subscribe(batched(listener));
        };
    }

    var current = window.store;
    wrap(current);
    Object.defineProperty(window, "store", {
        configurable: true,
        enumerable: true,
        get: function () { return current; },
        set: function (store) { current = store; wrap(store); },
    });
})();
