// The marketfeed dashboard: plain browser JavaScript (ES2020), no build step, nothing fetched
// from anywhere but the server that served this page. Data comes from the REST endpoints
// (/streams and /health polled; /trades, /candles and /timeline for the initial view of a symbol)
// and from one relay WebSocket (/ws) for live events. Both keep retrying while the server is away.
//
// The DOM is the test's contract (test/serve-dashboard.test.ts): ids and data-* attributes below
// are read there, so rename them together.
(function () {
  'use strict';

  const STREAMS_POLL_MS = 1000;
  const HEALTH_POLL_MS = 5000;
  const RELAY_CHANNELS = 'trades,book,candle,status,gap';
  const RELAY_DEPTH = 20;
  const LADDER_LEVELS = 15;
  const TAPE_ROWS = 100;
  const TIMELINE_ROWS = 200;
  const TIMELINE_POLL_MS = 5000;
  const CANDLE_BARS = 500;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;

  const token = new URLSearchParams(location.search).get('token');
  const $ = (id) => document.getElementById(id);

  // ---- server access ------------------------------------------------------------------------

  /** Relative to the page, so the dashboard also works behind a path prefix. */
  function url(path, params) {
    const u = new URL(path, location.href);
    u.search = '';
    for (const k of Object.keys(params || {})) u.searchParams.set(k, String(params[k]));
    if (token) u.searchParams.set('token', token);
    return u;
  }

  /** The body of a 2xx answer; an Error with `status` (0 = the server could not be reached) otherwise. */
  async function getJson(path, params) {
    let res;
    try {
      res = await fetch(url(path, params).href, { cache: 'no-store' });
    } catch (e) {
      throw Object.assign(new Error(`${path}: ${e.message}`), { status: 0 });
    }
    let body = null;
    try { body = await res.json(); } catch (_) { /* not JSON: reported below by status */ }
    if (!res.ok) throw Object.assign(new Error(`${path}: HTTP ${res.status}${body && body.error ? ` (${body.error})` : ''}`), { status: res.status });
    return body;
  }

  // ---- state ----------------------------------------------------------------------------------

  const state = {
    /** The stream shown below the table: {venue, symbol, venueSymbol}. */
    sel: null,
    /** Bumped on every selection; a REST answer for an older one is dropped. */
    gen: 0,
    restOk: null,
    relayOk: false,
    relayRetryAt: 0,
    book: null,
    trades: [], // newest first
    tradeIds: new Set(),
    timeline: [], // GET /timeline's events, oldest first
  };
  const keyOf = (s) => `${s.venue}|${s.venueSymbol}`;
  const isSelected = (ev) => state.sel !== null && ev.venue === state.sel.venue &&
    (ev.symbol === state.sel.symbol || ev.venueSymbol === state.sel.venueSymbol || ev.symbol === '*');

  function showMessage(text) { $('message').textContent = text || ''; }

  // ---- formatting -----------------------------------------------------------------------------

  const timeUtc = (us) => new Date(Math.floor(us / 1000)).toISOString().slice(11, 23);
  const decimalsOf = (text) => { const i = text.indexOf('.'); return i < 0 ? 0 : text.length - i - 1; };
  const fmtQty = (n) => (n >= 1000 ? n.toFixed(1) : n >= 1 ? n.toFixed(3) : n.toPrecision(3));
  function fmtAge(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
    return `${Math.round(ms / 60000)} min`;
  }

  // ---- connection indicator ---------------------------------------------------------------------

  let everLive = false;
  function updateConn() {
    const el = $('conn');
    const live = state.restOk === true && state.relayOk;
    if (live) everLive = true;
    const st = live ? 'live' : everLive || state.restOk === false ? 'reconnecting' : 'connecting';
    el.dataset.state = st;
    document.body.classList.toggle('offline', st === 'reconnecting');
    if (st === 'live') el.textContent = 'live';
    else if (st === 'connecting') el.textContent = 'connecting…';
    else {
      const down = [state.restOk === false ? 'REST' : '', state.relayOk ? '' : 'relay'].filter(Boolean).join(' + ');
      const wait = state.relayRetryAt > Date.now() ? ` (relay retry in ${Math.ceil((state.relayRetryAt - Date.now()) / 1000)} s)` : '';
      el.textContent = `disconnected (${down}): reconnecting…${wait}`;
    }
  }
  setInterval(updateConn, 1000);

  // ---- streams table --------------------------------------------------------------------------

  const STREAM_FIELDS = ['venue', 'symbol', 'state', 'messagesPerS', 'gaps', 'resyncs', 'reconnects', 'ageMs'];
  const streamRows = new Map();
  let streamsKnown = [];

  function renderStreams(streams) {
    streamsKnown = streams;
    const tbody = $('streams').tBodies[0];
    const seen = new Set();
    for (const s of streams) {
      const key = keyOf(s);
      seen.add(key);
      let tr = streamRows.get(key);
      if (!tr) {
        tr = document.createElement('tr');
        for (const f of STREAM_FIELDS) {
          const td = document.createElement('td');
          td.dataset.field = f;
          if (!['venue', 'symbol', 'state'].includes(f)) td.className = 'num';
          tr.appendChild(td);
        }
        tr.addEventListener('click', () => select(streamsKnown.find((x) => keyOf(x) === key)));
        streamRows.set(key, tr);
      }
      tbody.appendChild(tr); // keeps the server's order
      tr.dataset.venue = s.venue;
      tr.dataset.symbol = s.symbol;
      tr.dataset.venueSymbol = s.venueSymbol;
      tr.dataset.state = s.state;
      tr.classList.toggle('selected', state.sel !== null && key === keyOf(state.sel));
      const cells = tr.children;
      cells[0].textContent = s.venue;
      cells[1].textContent = s.symbol;
      cells[2].textContent = s.state;
      cells[2].className = `state state-${String(s.state).replace(/[^A-Za-z]/g, '')}`;
      cells[3].textContent = Number(s.messagesPerS || 0).toFixed(1);
      cells[4].textContent = String(s.gaps ?? 0);
      cells[5].textContent = String(s.resyncs ?? 0);
      cells[6].textContent = String(s.reconnects ?? 0);
      cells[7].textContent = fmtAge(s.ageMs);
    }
    for (const [key, tr] of streamRows) if (!seen.has(key)) { tr.remove(); streamRows.delete(key); }

    const picker = $('symbol');
    const options = streams.map(keyOf).join(',');
    if (picker.dataset.options !== options) {
      picker.dataset.options = options;
      picker.textContent = '';
      for (const s of streams) picker.appendChild(new Option(`${s.venue} ${s.symbol}`, keyOf(s)));
      if (state.sel) picker.value = keyOf(state.sel);
    }
  }

  async function pollStreams() {
    try {
      const body = await getJson('streams');
      state.restOk = true;
      renderStreams(body.streams || []);
      if (state.sel === null && streamsKnown.length > 0) select(streamsKnown[0]);
    } catch (_) {
      state.restOk = false;
    }
    updateConn();
    setTimeout(pollStreams, STREAMS_POLL_MS);
  }

  async function pollHealth() {
    const el = $('health');
    try {
      const h = await getJson('health');
      el.dataset.status = h.status;
      el.textContent = `health: ${h.status}`;
    } catch (_) {
      el.dataset.status = 'unknown';
      el.textContent = 'health: ?';
    }
    setTimeout(pollHealth, HEALTH_POLL_MS);
  }

  // ---- selection ------------------------------------------------------------------------------

  function select(stream) {
    if (!stream || (state.sel !== null && keyOf(stream) === keyOf(state.sel))) return;
    const previous = state.sel;
    state.sel = { venue: stream.venue, symbol: stream.symbol, venueSymbol: stream.venueSymbol };
    state.gen++;
    $('symbol').value = keyOf(stream);
    for (const [key, tr] of streamRows) tr.classList.toggle('selected', key === keyOf(stream));
    for (const el of document.querySelectorAll('[data-role="selected-name"]')) el.textContent = `${stream.venue} ${stream.symbol}`;
    resetViews();
    if (relay && relay.readyState === WebSocket.OPEN) {
      if (previous) relaySend({ op: 'unsubscribe', exchange: previous.venue, symbol: previous.venueSymbol });
      relaySend(subscribeOp(state.sel));
    } else if (!relay) connectRelay();
    loadInitial(state.gen);
  }

  function resetViews() {
    state.book = null;
    const book = $('book');
    book.dataset.updateId = '';
    book.dataset.venue = state.sel.venue;
    book.dataset.symbol = state.sel.symbol;
    setBookState('n/a', 'waiting for the book…');
    for (const id of ['best-bid', 'best-ask']) { const el = $(id); el.textContent = ''; el.dataset.price = ''; el.dataset.qty = ''; }
    $('spread').textContent = '';
    $('update-id').textContent = '';
    for (const tr of ladderRows.asks.concat(ladderRows.bids)) { for (const td of tr.children) td.textContent = ''; tr.className = ''; }
    scheduleDepth();
    state.trades = [];
    state.tradeIds.clear();
    $('tape').tBodies[0].textContent = '';
    state.timeline = [];
    renderTimeline();
    candles.reset();
  }

  /** Trades, candles and the timeline as the server has them; trades and bars merge with live ones already shown. */
  function loadInitial(gen) {
    const sel = state.sel;
    const q = { exchange: sel.venue, symbol: sel.venueSymbol };
    // an unreachable server shows in the connection indicator; only a refusal is worth a message
    const fail = (e) => { if (gen === state.gen && e.status !== 0) showMessage(e.message); };
    getJson('trades', { ...q, limit: TAPE_ROWS }).then((b) => { if (gen === state.gen) mergeTrades(b.trades || []); }, fail);
    Promise.all([
      getJson('candles', { ...q, timeframe: '1m', limit: CANDLE_BARS }),
      getJson('candles', { ...q, timeframe: '1s', limit: 60 }),
    ]).then(([m, sec]) => { if (gen === state.gen) candles.load(m.candles || [], sec.candles || []); }, fail);
    loadTimeline(gen);
  }

  // ---- relay socket ---------------------------------------------------------------------------

  let relay = null;
  let relayOpens = 0;
  let backoffMs = BACKOFF_MIN_MS;

  const subscribeOp = (sel) => ({ op: 'subscribe', exchange: sel.venue, symbol: sel.venueSymbol, channels: RELAY_CHANNELS.split(','), depth: RELAY_DEPTH });
  function relaySend(msg) { if (relay && relay.readyState === WebSocket.OPEN) relay.send(JSON.stringify(msg)); }

  function connectRelay() {
    const sel = state.sel;
    const u = url('ws', { exchange: sel.venue, symbol: sel.venueSymbol, channels: RELAY_CHANNELS, depth: RELAY_DEPTH });
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const sock = new WebSocket(u.href);
    relay = sock;
    sock.onopen = () => {
      backoffMs = BACKOFF_MIN_MS;
      state.relayOk = true;
      state.relayRetryAt = 0;
      showMessage('');
      updateConn();
      // The selection may have moved while connecting.
      if (keyOf(state.sel) !== keyOf(sel)) {
        relaySend({ op: 'unsubscribe', exchange: sel.venue, symbol: sel.venueSymbol });
        relaySend(subscribeOp(state.sel));
      }
      // After a reconnect (the server may have restarted) fetch again what was missed.
      if (++relayOpens > 1) loadInitial(state.gen);
    };
    sock.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (_) { return; }
      onRelayMessage(msg);
    };
    sock.onerror = () => { /* a close follows */ };
    sock.onclose = () => {
      if (relay !== sock) return;
      state.relayOk = false;
      if (state.book) setBookState('disconnected', 'relay disconnected');
      const delay = Math.round(backoffMs * (0.75 + Math.random() * 0.5));
      backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
      state.relayRetryAt = Date.now() + delay;
      updateConn();
      setTimeout(connectRelay, delay);
    };
  }

  function onRelayMessage(msg) {
    if (msg.op !== undefined) {
      if (msg.op === 'error') showMessage(`relay: ${msg.error}`);
      return;
    }
    if (!isSelected(msg)) return;
    switch (msg.type) {
      case 'book_snapshot': renderBook(msg); break;
      case 'trade': addLiveTrade(msg); break;
      case 'candle': candles.live(msg); break;
      case 'status':
        if (msg.scope === 'book' && msg.state !== 'SYNCED') setBookState(msg.state, msg.reason || '');
        refreshTimelineSoon(100);
        break;
      case 'gap': refreshTimelineSoon(100); break;
      default: break;
    }
  }

  // ---- order book: ladder and depth chart -----------------------------------------------------

  const ladderRows = { asks: [], bids: [] };
  function buildLadder() {
    for (const side of ['asks', 'bids']) {
      const tbody = $(`ladder-${side}`);
      for (let i = 0; i < LADDER_LEVELS; i++) {
        const tr = document.createElement('tr');
        for (let c = 0; c < 3; c++) { const td = document.createElement('td'); td.className = 'num'; tr.appendChild(td); }
        tbody.appendChild(tr);
        ladderRows[side].push(tr);
      }
    }
  }

  function setBookState(st, reason) {
    $('book').dataset.state = st;
    $('book-state').textContent = st === 'SYNCED' ? '' : `${st}${reason ? `: ${reason}` : ''}`;
    $('book').classList.toggle('stale', st !== 'SYNCED');
  }

  /** Asks above bids: the best ask is the last ask row, the best bid the first bid row. */
  function fillSide(rows, levels, side) {
    let total = 0;
    for (let i = 0; i < rows.length; i++) {
      const tr = side === 'asks' ? rows[rows.length - 1 - i] : rows[i];
      const lv = levels[i];
      if (lv) total += Number(lv[1]);
      tr.className = lv ? (i === 0 ? `${side} best` : side) : '';
      tr.dataset.side = side === 'asks' ? 'ask' : 'bid';
      tr.dataset.price = lv ? lv[0] : '';
      tr.children[0].textContent = lv ? lv[0] : '';
      tr.children[1].textContent = lv ? lv[1] : '';
      tr.children[2].textContent = lv ? fmtQty(total) : '';
    }
  }

  function renderBook(ev) {
    state.book = ev;
    const book = $('book');
    book.dataset.updateId = String(ev.updateId);
    setBookState('SYNCED', '');
    fillSide(ladderRows.asks, ev.asks, 'asks');
    fillSide(ladderRows.bids, ev.bids, 'bids');
    const bid = ev.bids[0];
    const ask = ev.asks[0];
    for (const [id, lv] of [['best-bid', bid], ['best-ask', ask]]) {
      const el = $(id);
      el.dataset.price = lv ? lv[0] : '';
      el.dataset.qty = lv ? lv[1] : '';
      el.textContent = lv ? `${lv[0]} × ${lv[1]}` : '—';
    }
    $('spread').textContent = bid && ask ? (Number(ask[0]) - Number(bid[0])).toFixed(Math.max(decimalsOf(ask[0]), decimalsOf(bid[0]))) : '—';
    $('update-id').textContent = String(ev.updateId);
    scheduleDepth();
  }

  let depthPending = false;
  function scheduleDepth() {
    if (depthPending) return;
    depthPending = true;
    requestAnimationFrame(drawDepth);
  }

  function drawDepth() {
    depthPending = false;
    const canvas = $('depth');
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 480;
    const h = canvas.clientHeight || 260;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = '11px ui-monospace, monospace';
    ctx.fillStyle = '#8b949e';
    const ev = state.book;
    if (!ev || ev.bids.length === 0 || ev.asks.length === 0) { ctx.fillText('no book', 10, 20); return; }
    const cum = (levels) => { let t = 0; return levels.map((l) => [Number(l[0]), (t += Number(l[1]))]); };
    const bids = cum(ev.bids);
    const asks = cum(ev.asks);
    const lo = bids[bids.length - 1][0];
    const hi = asks[asks.length - 1][0];
    const maxV = Math.max(bids[bids.length - 1][1], asks[asks.length - 1][1]);
    const pad = { l: 8, r: 8, t: 18, b: 20 };
    const x = (p) => pad.l + (hi === lo ? 0.5 : (p - lo) / (hi - lo)) * (w - pad.l - pad.r);
    const y = (v) => h - pad.b - (v / maxV) * (h - pad.t - pad.b);
    const area = (pts, edge, fill, stroke) => {
      ctx.beginPath();
      ctx.moveTo(x(pts[0][0]), y(0));
      let prev = 0;
      for (const [p, v] of pts) { ctx.lineTo(x(p), y(prev)); ctx.lineTo(x(p), y(v)); prev = v; }
      ctx.lineTo(edge, y(prev));
      ctx.lineTo(edge, y(0));
      ctx.closePath();
      ctx.fillStyle = fill;
      ctx.fill();
      ctx.strokeStyle = stroke;
      ctx.stroke();
    };
    area(bids, pad.l, 'rgba(46,160,67,0.35)', '#2ea043');
    area(asks, w - pad.r, 'rgba(248,81,73,0.35)', '#f85149');
    ctx.fillStyle = '#8b949e';
    ctx.fillText(ev.bids[ev.bids.length - 1][0], pad.l, h - 5);
    const hiText = ev.asks[ev.asks.length - 1][0];
    ctx.fillText(hiText, w - pad.r - ctx.measureText(hiText).width, h - 5);
    const mid = `mid ${((Number(ev.bids[0][0]) + Number(ev.asks[0][0])) / 2).toFixed(decimalsOf(ev.bids[0][0]))}`;
    ctx.fillText(mid, (w - ctx.measureText(mid).width) / 2, h - 5);
    ctx.fillText(`cum. qty ${fmtQty(maxV)}`, pad.l, 12);
  }

  // ---- trade tape -----------------------------------------------------------------------------

  function tradeRow(t) {
    const tr = document.createElement('tr');
    tr.className = t.side;
    tr.dataset.tradeId = t.id;
    tr.dataset.side = t.side;
    for (const [text, cls] of [[timeUtc(t.ts), ''], [t.side, 'side'], [t.price, 'num'], [t.amount, 'num']]) {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.appendChild(td);
    }
    return tr;
  }

  function addLiveTrade(t) {
    if (state.tradeIds.has(t.id)) return;
    state.tradeIds.add(t.id);
    state.trades.unshift(t);
    const tbody = $('tape').tBodies[0];
    tbody.insertBefore(tradeRow(t), tbody.firstChild);
    while (state.trades.length > TAPE_ROWS) {
      state.tradeIds.delete(state.trades.pop().id);
      tbody.lastChild.remove();
    }
  }

  /** REST trades (oldest first) plus the live ones already shown, newest first, deduplicated by id. */
  function mergeTrades(rest) {
    const byId = new Map();
    for (const t of rest) byId.set(t.id, t);
    for (const t of state.trades) byId.set(t.id, t);
    const all = [...byId.values()].sort((a, b) => b.ts - a.ts || b.localTs - a.localTs).slice(0, TAPE_ROWS);
    state.trades = all;
    state.tradeIds = new Set(all.map((t) => t.id));
    const tbody = $('tape').tBodies[0];
    tbody.textContent = '';
    const frag = document.createDocumentFragment();
    for (const t of all) frag.appendChild(tradeRow(t));
    tbody.appendChild(frag);
  }

  // ---- candles (lightweight-charts) -----------------------------------------------------------
  // The server's 1m bars are emitted when they close; the minute in progress is built here from
  // its closed 1s bars (a 1m bar, closed or not, replaces it when it comes).

  const candles = (() => {
    const MINUTE_US = 60e6;
    let chart = null;
    let candleSeries = null;
    let volumeSeries = null;
    let precision = -1;
    /** bar time (s) → {openTs, open, high, low, close, volume, trades, synthetic, closed, lastSecondTs?} */
    const bars = new Map();
    let lastTime = -1;
    const el = () => $('candles');

    function ensureChart() {
      if (chart) return true;
      const LC = window.LightweightCharts;
      if (!LC) { el().textContent = 'charts unavailable (assets/lightweight-charts.js did not load)'; return false; }
      chart = LC.createChart(el(), {
        autoSize: true,
        layout: { background: { type: 'solid', color: '#0d1117' }, textColor: '#c9d1d9' },
        grid: { vertLines: { color: '#21262d' }, horzLines: { color: '#21262d' } },
        timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 4, barSpacing: 8 },
        rightPriceScale: { scaleMargins: { top: 0.08, bottom: 0.28 } },
      });
      candleSeries = chart.addSeries(LC.CandlestickSeries, {
        upColor: '#2ea043', downColor: '#f85149', wickUpColor: '#2ea043', wickDownColor: '#f85149', borderVisible: false,
      });
      volumeSeries = chart.addSeries(LC.HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'volume', lastValueVisible: false, priceLineVisible: false });
      chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.78, bottom: 0 } });
      return true;
    }

    const timeOf = (c) => Math.floor(c.openTs / 1e6);
    const grey = '#6e7681';
    function toCandle(b) {
      const bar = { time: timeOf(b), open: Number(b.open), high: Number(b.high), low: Number(b.low), close: Number(b.close) };
      if (b.synthetic) { bar.color = grey; bar.wickColor = grey; bar.borderColor = grey; }
      return bar;
    }
    function toVolume(b) {
      const color = b.synthetic ? grey : Number(b.close) >= Number(b.open) ? 'rgba(46,160,67,0.5)' : 'rgba(248,81,73,0.5)';
      return { time: timeOf(b), value: Number(b.volume), color };
    }
    function setPrecision(text) {
      if (precision >= 0) return;
      precision = Math.min(8, decimalsOf(String(text).replace(/0+$/, '')) || 2);
      candleSeries.applyOptions({ priceFormat: { type: 'price', precision, minMove: 10 ** -precision } });
    }
    function publish() {
      const box = el();
      box.dataset.bars = String(bars.size);
      box.dataset.lastOpenTs = lastTime < 0 ? '' : String(bars.get(lastTime).openTs);
    }
    function drawAll() {
      const list = [...bars.values()].sort((x, y) => x.openTs - y.openTs);
      candleSeries.setData(list.map(toCandle));
      volumeSeries.setData(list.map(toVolume));
      publish();
    }
    /** Puts one bar and draws it: update() for the newest, setData when an older one changed. */
    function put(b, draw) {
      const t = timeOf(b);
      bars.set(t, b);
      setPrecision(b.close);
      if (!draw) { if (t > lastTime) lastTime = t; return; }
      if (t < lastTime) { drawAll(); return; }
      lastTime = t;
      try {
        candleSeries.update(toCandle(b));
        volumeSeries.update(toVolume(b));
      } catch (_) {
        drawAll();
        return;
      }
      publish();
    }
    /** A server 1m bar: it wins over the one built here from 1s bars. */
    function putMinute(c, draw) {
      put({ openTs: c.openTs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, trades: c.trades, synthetic: c.synthetic, closed: c.closed, fromSeconds: false }, draw);
    }
    /** A closed 1s bar folded into its minute, unless the server's bar of that minute is here. */
    function addSecond(c, draw) {
      const openTs = Math.floor(c.openTs / MINUTE_US) * MINUTE_US;
      const cur = bars.get(openTs / 1e6);
      if (cur && !cur.fromSeconds) return;
      if (cur && c.openTs <= cur.lastSecondTs) return; // already folded in
      const next = cur
        ? {
          ...cur, high: Math.max(Number(cur.high), Number(c.high)), low: Math.min(Number(cur.low), Number(c.low)), close: c.close,
          volume: Number(cur.volume) + Number(c.volume), trades: cur.trades + c.trades, synthetic: cur.synthetic && c.synthetic, lastSecondTs: c.openTs,
        }
        : {
          openTs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, trades: c.trades,
          synthetic: c.synthetic, closed: false, fromSeconds: true, lastSecondTs: c.openTs,
        };
      put(next, draw);
    }

    return {
      reset() {
        bars.clear();
        lastTime = -1;
        precision = -1;
        if (ensureChart()) drawAll();
      },
      /** REST bars: 1m (closed) and the 1s bars of the minute in progress; live bars already held stay. */
      load(minutes, seconds) {
        if (!ensureChart()) return;
        for (const c of minutes) if (!bars.has(timeOf(c)) || bars.get(timeOf(c)).fromSeconds) putMinute(c, false);
        for (const c of seconds) addSecond(c, false);
        drawAll();
        chart.timeScale().scrollToRealTime();
      },
      live(c) {
        if (!ensureChart()) return;
        if (c.timeframe === '1m') putMinute(c, true);
        else if (c.timeframe === '1s' && c.closed) addSecond(c, true);
      },
    };
  })();

  // ---- timeline ------------------------------------------------------------------------------
  // The server keeps the timeline (which transitions count as a resync, a disconnect or a
  // reconnect is its rule, not restated here): a relayed gap or status only makes the page ask
  // for it again at once, and a slow poll catches connection events that are not relayed.

  let timelineTimer = null;
  function refreshTimelineSoon(delayMs) {
    if (timelineTimer !== null) return;
    timelineTimer = setTimeout(() => { timelineTimer = null; loadTimeline(state.gen); }, delayMs);
  }

  function loadTimeline(gen) {
    if (state.sel === null) return;
    getJson('timeline', { exchange: state.sel.venue, symbol: state.sel.venueSymbol, limit: TIMELINE_ROWS }).then((b) => {
      if (gen !== state.gen) return;
      state.timeline = b.events || [];
      renderTimeline();
    }, (e) => { if (gen === state.gen && e.status !== 0) showMessage(e.message); });
  }

  function renderTimeline() {
    const ol = $('timeline');
    const frag = document.createDocumentFragment();
    for (let i = state.timeline.length - 1; i >= 0; i--) { // newest first
      const e = state.timeline[i];
      const li = document.createElement('li');
      li.className = `kind-${e.kind}`;
      li.dataset.kind = e.kind;
      li.dataset.localTs = String(e.localTs);
      const time = document.createElement('time');
      time.textContent = timeUtc(e.localTs);
      const kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = e.kind;
      const detail = document.createElement('span');
      detail.className = 'detail';
      detail.textContent = e.detail || '';
      li.append(time, kind, detail);
      frag.appendChild(li);
    }
    if (state.timeline.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'no gaps, resyncs or reconnects';
      frag.appendChild(li);
    }
    ol.textContent = '';
    ol.appendChild(frag);
  }

  // ---- start ----------------------------------------------------------------------------------

  buildLadder();
  $('symbol').addEventListener('change', (e) => select(streamsKnown.find((s) => keyOf(s) === e.target.value)));
  window.addEventListener('resize', scheduleDepth);
  renderTimeline();
  scheduleDepth();
  updateConn();
  pollStreams();
  pollHealth();
  setInterval(() => refreshTimelineSoon(0), TIMELINE_POLL_MS);
})();
