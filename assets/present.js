/* Presenter screen and speaker notes: keyboard, camera flights, and the link between the windows.
 *
 * Only active on /present/<story> (#present-root) and /present/<story>/notes (#notes-root).
 * The slide index lives in a dcc.Store written with dash_clientside.set_props; the server
 * callbacks draw the slide. Ids mirror dashboard/ids.py (PresentIds, NotesIds); a unit test checks
 * that every id named here exists there.
 */
(function () {
  'use strict';

  var IDS = {
    presentRoot: 'present-root', slide: 'present-slide', help: 'present-help', play: 'present-play',
    playback: 'present-playback', map: 'present-map', panels: 'present-panels', notesLink: 'present-notes-link',
    notesRoot: 'notes-root', notesSlide: 'notes-slide', notesClock: 'notes-clock'
  };
  var FLIGHT_MS = 1200;
  var state = {
    slide: null, digits: '', channel: null, channelName: null, opened: Date.now(),
    mapHidden: false, layout: null, animated: false, flights: 0, flightSlide: null, cameraSlide: null, flying: false,
    helloSent: false
  };

  function byId(id) { return document.getElementById(id); }
  function root() { return byId(IDS.presentRoot) || byId(IDS.notesRoot); }
  function isPresenter(r) { return !!r && r.id === IDS.presentRoot && !!r.dataset.story; }
  function isNotes(r) { return !!r && r.id === IDS.notesRoot && !!r.dataset.story; }
  function slideCount(r) { return Math.max(1, parseInt(r.dataset.slides, 10) || 1); }
  function clamp(n, count) { return Math.max(0, Math.min(count - 1, n)); }
  function setProps(id, props) { window.dash_clientside.set_props(id, props); }

  function currentSlide(r) {
    if (state.slide !== null) return state.slide;
    var match = /[?&]slide=(\d+)/.exec(window.location.search);
    return clamp(match ? parseInt(match[1], 10) - 1 : 0, slideCount(r));
  }

  function slideSearch(slide, lang) { return '?slide=' + (slide + 1) + (lang === 'es' ? '&lang=es' : ''); }

  // ---- the two windows talk over a BroadcastChannel named per story -----------------------------
  function channel(story) {
    var name = 'rutas-present-' + story;
    if (state.channelName !== name) {
      if (state.channel) state.channel.close();
      state.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
      state.channelName = name;
      if (state.channel) state.channel.onmessage = onMessage;
    }
    return state.channel;
  }

  function post(message) {
    var r = root();
    if (!r) return;
    var ch = channel(r.dataset.story);
    if (ch) ch.postMessage(Object.assign({story: r.dataset.story}, message));
  }

  function onMessage(event) {
    var r = root(), message = event.data || {};
    if (!r || message.story !== r.dataset.story) return;
    if (isPresenter(r)) {
      if (message.type === 'hello') post({type: 'slide', slide: currentSlide(r)});
      else if (message.type === 'go') goTo(r, message.slide);
      else if (message.type === 'play') clickPlay();
    } else if (isNotes(r) && message.type === 'slide' && message.slide !== state.slide) {
      setProps(IDS.notesSlide, {data: clamp(message.slide, slideCount(r))});
    }
  }

  // ---- navigation --------------------------------------------------------------------------------
  function goTo(r, target) {
    if (typeof target !== 'number' || isNaN(target)) return;
    var slide = clamp(target, slideCount(r));
    if (isPresenter(r)) {
      var from = currentSlide(r);
      if (slide !== from) {
        setProps(IDS.slide, {data: slide});
        flyAhead(r, from, slide);
      }
    } else if (isNotes(r)) {
      if (slide !== currentSlide(r)) setProps(IDS.notesSlide, {data: slide});
      post({type: 'go', slide: slide});  // the presenter follows the notes window too
    }
  }

  function isHelpOpen() { var help = byId(IDS.help); return !!help && !help.hidden; }
  function setHelp(open) { if (byId(IDS.help)) setProps(IDS.help, {hidden: !open}); }

  function clickPlay() {
    var controls = byId(IDS.playback), button = byId(IDS.play);
    if (button && controls && !controls.hidden) button.click();
  }

  function toggleFullscreen() {
    var done = function () {};
    if (document.fullscreenElement) {
      if (document.exitFullscreen) document.exitFullscreen().catch(done);
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(done);
    }
  }

  function leave(r) {
    var exits = [];
    try { exits = JSON.parse(r.dataset.exits || '[]'); } catch (error) { exits = []; }
    window.location.href = exits[currentSlide(r)] || '/';
  }

  function showJump(digits) {
    var box = byId('present-jump-box');  // made here, outside Dash's tree
    if (!box) {
      box = document.createElement('div');
      box.id = 'present-jump-box';
      box.className = 'present-jump';
      box.setAttribute('role', 'status');
      document.body.appendChild(box);
    }
    box.textContent = digits ? '→ ' + digits : '';
    box.hidden = !digits;
  }

  function isTyping(target) {
    if (!target || !target.closest) return false;
    if (target.closest('select, textarea, [contenteditable=""], [contenteditable="true"]')) return true;
    var input = target.closest('input');
    return !!input && !/^(radio|checkbox|button|submit|reset|range)$/i.test(input.type || '');
  }

  var NEXT = ['ArrowRight', ' ', 'Spacebar', 'PageDown', 'ArrowDown'];
  var PREVIOUS = ['ArrowLeft', 'PageUp', 'ArrowUp', 'Backspace'];

  document.addEventListener('keydown', function (event) {
    var r = root();
    if (!isPresenter(r) && !isNotes(r)) return;
    if (event.ctrlKey || event.altKey || event.metaKey || isTyping(event.target)) return;
    var key = event.key, current = currentSlide(r), target = null;
    if (/^[0-9]$/.test(key)) {
      state.digits = (state.digits + key).slice(-3);
      showJump(state.digits);
      event.preventDefault();
      return;
    }
    if (NEXT.indexOf(key) >= 0) target = current + 1;
    else if (PREVIOUS.indexOf(key) >= 0) target = current - 1;
    else if (key === 'Home') target = 0;
    else if (key === 'End') target = slideCount(r) - 1;
    else if (key === 'Enter') {
      if (!state.digits) return;
      target = parseInt(state.digits, 10) - 1;
    } else if (key === 'Escape') {
      if (state.digits) { state.digits = ''; showJump(''); }
      else if (isHelpOpen()) setHelp(false);
      else if (isPresenter(r)) leave(r);
      else return;
    } else if (key === 'f' || key === 'F') toggleFullscreen();
    else if ((key === '?' || key === 'h' || key === 'H') && isPresenter(r)) setHelp(!isHelpOpen());
    else if (key === 'p' || key === 'P') {
      if (isPresenter(r)) clickPlay(); else post({type: 'play'});
    } else return;
    event.preventDefault();
    if (state.digits) { state.digits = ''; showJump(''); }
    if (target !== null) goTo(r, target);
  });

  document.addEventListener('click', function (event) {
    var r = root();
    if (!isPresenter(r) || !event.target.closest) return;
    if (event.target.closest('.present-help-close')) setHelp(false);
    var link = event.target.closest('#' + IDS.notesLink);
    if (link) {
      event.preventDefault();
      var url = r.dataset.notes + slideSearch(currentSlide(r), r.dataset.lang);
      window.open(url, 'rutas-notes-' + r.dataset.story, 'width=1000,height=760');
    }
  });

  // ---- the camera --------------------------------------------------------------------------------
  function mapParts() {
    var gd = document.querySelector('#' + IDS.map + ' .js-plotly-plot');
    var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return sub && sub.map ? {gd: gd, sub: sub, map: sub.map} : null;
  }

  function whenMap(run, waitedMs) {
    var parts = mapParts();
    if (parts) { run(parts); return; }
    if ((waitedMs || 0) > 120000) return;
    setTimeout(function () { whenMap(run, (waitedMs || 0) + 100); }, 100);
  }

  // Plotly sets the camera from the figure on every redraw unless the user is dragging. Here the
  // camera belongs to the slide's view: redraws (a new slide's data, a playback frame) change
  // the data only, so a figure arriving mid-flight never snaps the map.
  function guardCamera(parts) {
    var sub = parts.sub;
    if (sub.__rutasGuarded) return;
    var original = sub.updateLayout;
    sub.updateLayout = function (fullLayout) {
      var dragging = this.dragging;
      this.dragging = true;
      try { return original.call(this, fullLayout); } finally { this.dragging = dragging; }
    };
    sub.__rutasGuarded = true;
    if (parts.map.keyboard) parts.map.keyboard.disable();  // arrow keys change slides, not the map
  }

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
  }

  function fly(parts, view, animate) {
    var map = parts.map, flight = ++state.flights;
    var target = {center: [view.lon, view.lat], zoom: view.zoom};
    state.flightSlide = view.slide;
    var landed = function () {
      if (flight !== state.flights) return;
      // A resize during the flight (the panels changed) leaves MapLibre short of the target.
      var c = map.getCenter();
      if (Math.abs(c.lng - view.lon) > 1e-6 || Math.abs(c.lat - view.lat) > 1e-6
          || Math.abs(map.getZoom() - view.zoom) > 1e-6) map.jumpTo(target);
      state.flying = false;
      state.cameraSlide = view.slide;
    };
    state.flying = true;
    state.animated = animate;
    if (animate) {
      map.once('moveend', function () { if (map.isMoving()) map.once('moveend', landed); else landed(); });
      map.flyTo(Object.assign({duration: FLIGHT_MS, essential: false}, target));
    } else {
      map.jumpTo(target);
      landed();
    }
  }

  function readViews(r) {
    try { return JSON.parse(r.dataset.views || '[]'); } catch (error) { return []; }
  }

  // The page knows every slide's view: the flight starts on the key press, while the server
  // draws the slide's data, instead of after it. Not when the panels change: the map is
  // resized first, and a flight must not span a resize.
  function flyAhead(r, from, slide) {
    var views = readViews(r), view = views[slide], before = views[from], parts = mapParts();
    if (!view || !before || !view.map || !before.map || view.layout !== before.layout || !parts) return;
    guardCamera(parts);
    fly(parts, view, !reducedMotion());
  }

  // Wait until the page shows the slide's panels (React has applied the server's answer).
  function whenLaidOut(view, run, waitedMs) {
    var panels = byId(IDS.panels);
    if (!panels || panels.className === view.layout || (waitedMs || 0) > 3000) { run(); return; }
    requestAnimationFrame(function () { whenLaidOut(view, run, (waitedMs || 0) + 16); });
  }

  function flyTo(view) {
    if (!view) return window.dash_clientside.no_update;
    whenMap(function (parts) {
      guardCamera(parts);
      if (state.slide !== null && view.slide !== state.slide) return;  // a slide already left
      if (view.map && !state.mapHidden && state.flightSlide === view.slide) return;  // flown ahead
      var wasHidden = state.mapHidden, first = state.cameraSlide === null && !state.flying;
      var relaid = state.layout !== null && state.layout !== view.layout;
      state.mapHidden = !view.map;
      state.layout = view.layout;
      if (!view.map) { fly(parts, view, false); return; }
      whenLaidOut(view, function () {
        var go = function () { fly(parts, view, !first && !wasHidden && !reducedMotion()); };
        if (wasHidden || relaid) window.Plotly.Plots.resize(parts.gd).then(go, go); else go();
      });
    });
    return String(view.slide + 1);
  }

  // ---- after each slide change -------------------------------------------------------------------
  function remember(slide, story) {
    state.slide = slide;
    var search = slideSearch(slide, story.lang);
    if (window.location.search !== search) {
      window.history.replaceState(window.history.state, '', window.location.pathname + search);
    }
    channel(story.id);
  }

  function slideShown(slide, story) {
    if (typeof slide !== 'number' || !story) return window.dash_clientside.no_update;
    remember(slide, story);
    post({type: 'slide', slide: slide});
    return String(slide + 1);
  }

  function notesShown(slide, story) {
    if (typeof slide !== 'number' || !story) return window.dash_clientside.no_update;
    remember(slide, story);
    if (!state.helloSent) { state.helloSent = true; post({type: 'hello'}); }
    return String(slide + 1);
  }

  // ---- the notes window's clock --------------------------------------------------------------------
  function two(n) { return (n < 10 ? '0' : '') + n; }
  setInterval(function () {
    var clock = byId(IDS.notesClock);
    if (!clock) return;
    var now = new Date(), seconds = Math.floor((Date.now() - state.opened) / 1000);
    var time = clock.querySelector('.notes-clock-time'), elapsed = clock.querySelector('.notes-clock-elapsed');
    if (time) time.textContent = two(now.getHours()) + ':' + two(now.getMinutes());
    if (elapsed) {
      elapsed.textContent = Math.floor(seconds / 3600) + ':' + two(Math.floor(seconds / 60) % 60) + ':' + two(seconds % 60);
    }
  }, 1000);

  window.rutasPresent = {state: state};
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.rutasPresent = {flyTo: flyTo, slideShown: slideShown, notesShown: notesShown};
})();
