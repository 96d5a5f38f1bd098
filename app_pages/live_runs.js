// Live runs: status lines and Vega-Lite charts fed by the app's own route, /api/runs/{token}?since=N.
// Mounted once per set of runs: it polls while they live (never while the tab is hidden), appends the new
// rows to each chart's view in place, and, when the runs it was mounted with have ended, asks Streamlit for
// one rerun of its part of the page (the "ended" trigger), which then draws what follows a run.
// Vega, Vega-Lite and vega-embed are vendored npm builds served by the app itself (app_pages/vendor/).

const LIBRARIES = ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"];
const GONE = "This run is no longer kept on the server. Press Train to run it again.";
const OFFLINE = "The server is not answering; the chart will continue when it is back.";
const DRAW_FAILED = "The chart could not be drawn here; the run's numbers follow when it ends.";

function appUrl(path) {
  // Relative to the page's address, so it works under a proxy prefix (e.g. Community Cloud's /~/+/).
  return new URL(path, window.location.href).toString();
}

async function jsonOf(response) {
  // The app's routes answer JSON. Anything else is an error, not data: Streamlit answers a path it does not
  // know with its index.html and status 200, and a proxy's own error pages are HTML too.
  const type = response.headers.get("content-type") || "";
  if (!type.startsWith("application/json")) throw new Error(`status ${response.status}, not JSON: ${type}`);
  return response.json();
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = false;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}

function vegaEmbedReady(version) {
  // One load per browser tab, shared by every chart on every page of the app.
  if (!window.__dropoutVegaEmbed) {
    window.__dropoutVegaEmbed = LIBRARIES.reduce(
      (done, name) => done.then(() => loadScript(appUrl(`api/vendor/${name}?v=${version}`))),
      Promise.resolve(),
    ).then(() => window.vegaEmbed);
    window.__dropoutVegaEmbed.catch(() => { window.__dropoutVegaEmbed = null; }); // a later mount tries again
  }
  return window.__dropoutVegaEmbed;
}

function element(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

function sentence(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
}

function chartRows(kind, label, answer) {
  if (kind === "loss") {
    return answer.loss.map(([epoch, loss]) => ({ run: label, epoch, moving_loss: loss }));
  }
  return answer.accuracy.flatMap(([epoch, train, test]) => [
    { run: label, epoch, split: "train", accuracy: train },
    { run: label, epoch, split: "test", accuracy: test },
  ]);
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = element("div", "live", parentElement);
  const note = element("div", "note", root);
  const lines = element("div", "lines", root);
  const grid = element("div", `charts n${data.charts.length}`, root);

  const runs = data.runs.map((run) => ({ ...run, next: 0, ended: false, gone: false, line: null }));
  for (const run of runs) {
    if (!run.status) continue;
    const box = element("div", "line", lines);
    run.line = { text: element("div", "text", box), bar: element("div", "fill", element("div", "bar", box)) };
    run.line.text.textContent = run.label ? `${run.label}: waiting for the server` : "Waiting for the server";
  }
  const summary = data.summary ? element("div", "line", lines) : null;
  const summaryText = summary && element("div", "text", summary);
  const summaryBar = summary && element("div", "fill", element("div", "bar", summary));

  const charts = data.charts.map((chart) => ({ ...chart, view: null, pending: [], count: 0,
    box: element("div", "chart", grid) }));
  for (const chart of charts) chart.box.style.minHeight = `${chart.spec.height || 320}px`; // no jump at the first rows
  let stopped = false, done = false, busy = false, timer = null, failures = 0;

  let embed = null; // vega-embed, once its libraries have loaded

  function draw(chart) {
    // Embedded with its first rows (a chart laid out without data leaves too little room for its axis), or
    // empty once every run has ended without any.
    if (!embed || chart.view || chart.drawing) return;
    if (!chart.pending.length && !runs.every((r) => r.ended)) return;
    chart.drawing = true;
    const spec = { ...chart.spec, data: { name: "rows", values: chart.pending.splice(0) } };
    embed(chart.box, spec, { actions: false, renderer: "canvas" }).then((result) => {
      if (stopped) { result.view.finalize(); return; }
      chart.view = result.view;
      result.view.description(chart.spec.description); // the runs' final words may have come while it was drawn
      if (chart.pending.length) chart.view.insert("rows", chart.pending.splice(0)).runAsync();
    }).catch(() => { note.textContent = DRAW_FAILED; });
  }

  function append(chart, rows) {
    chart.count += rows.length;
    chart.box.dataset.rows = chart.count; // how many rows the chart holds, for tests and curious readers
    if (chart.view) {
      if (rows.length) chart.view.insert("rows", rows).runAsync();
    } else {
      chart.pending.push(...rows);
      draw(chart);
    }
  }

  vegaEmbedReady(data.vendor).then((vegaEmbed) => {
    embed = vegaEmbed;
    for (const chart of charts) draw(chart);
  }).catch(() => { note.textContent = DRAW_FAILED; });

  function show(run, answer) {
    if (!run.line) return;
    if (answer.ended && run.live) { // the rerun that follows draws how it ended: not said twice meanwhile
      run.line.text.parentElement.remove();
      run.line = null;
      return;
    }
    run.line.text.textContent = run.label ? `${run.label}: ${answer.text}` : sentence(answer.text);
    run.line.bar.style.width = `${Math.round(100 * (answer.progress || 0))}%`;
  }

  function showSummary() {
    if (!summary) return;
    const done = runs.filter((r) => r.ended).length;
    const running = runs.filter((r) => r.statusNow === "running").length;
    const waiting = runs.filter((r) => r.statusNow === "queued").length;
    summaryText.textContent = `${data.summary}: ${done} of ${runs.length} runs done, ${running} running` +
      (waiting ? `, ${waiting} waiting` : "");
    const progress = runs.reduce((sum, r) => sum + (r.ended ? 1 : r.progress || 0), 0) / runs.length;
    summaryBar.style.width = `${Math.round(100 * progress)}%`;
  }

  async function poll(run) {
    // One answer for this run; true when the server has more rows waiting (a late start catching up).
    const url = appUrl(`api/runs/${encodeURIComponent(run.token)}?since=${run.next}` +
      (data.viewer ? `&viewer=${encodeURIComponent(data.viewer)}` : ""));
    const response = await fetch(url, { cache: "no-store" });
    const answer = await jsonOf(response); // an HTML page (a catch-all, a proxy's 404) throws: tried again
    if (response.status === 404) {
      run.gone = run.ended = true;
      note.textContent = GONE;
      return false;
    }
    if (!response.ok) throw new Error(`status ${response.status}`);
    run.next = answer.next;
    run.statusNow = answer.status;
    run.progress = answer.progress;
    for (const chart of charts) append(chart, chartRows(chart.rows, run.label, answer));
    show(run, answer);
    run.ended = answer.ended;
    if (answer.words) { run.words = answer.words; describe(); }
    return answer.more;
  }

  function describe() {
    // Once every run has ended, each chart's accessible name states their final numbers (the server's words,
    // core/views/describe.py); until then it keeps the sentence the page gave it (spec.description).
    if (!runs.every((r) => r.words)) return;
    for (const chart of charts) {
      const title = chart.spec.title ? chart.spec.title.text || chart.spec.title : "Chart";
      const parts = runs.map((r) => `${r.label || "the run"} ${r.words[chart.rows]}`);
      chart.spec = { ...chart.spec, description: `${title}: ${parts.join("; ")}.` }; // for a chart not drawn yet
      chart.box.setAttribute("aria-label", chart.spec.description);
    }
  }

  function due() {
    // The runs this chart was mounted with as live: all ended, or (data.each) any one ended.
    const watched = runs.filter((r) => r.live);
    if (!watched.length) return false;
    return data.each ? watched.some((r) => r.ended) : watched.every((r) => r.ended);
  }

  async function tick() {
    timer = null;
    if (stopped || done || busy || document.hidden) return;
    let more = false;
    busy = true; // one round of polls at a time: two would append the same rows twice
    try {
      for (const run of runs) {
        if (!run.ended && !stopped) more = (await poll(run)) || more;
      }
      failures = 0;
      if (note.textContent === OFFLINE) note.textContent = "";
    } catch (err) {
      failures += 1;
      if (failures >= 3) note.textContent = OFFLINE;
    } finally {
      busy = false;
    }
    if (stopped) return;
    showSummary();
    for (const chart of charts) draw(chart); // a chart still without rows once every run has ended
    if (due()) {
      done = true; // no more polls: the rerun mounts this chart again with the runs' new state
      // A run the server no longer has has no new state to draw: its sentence stays, and no rerun is asked
      // (a rerun would mount the chart again, poll, meet the same answer, and ask again).
      if (!runs.filter((r) => r.live).every((r) => r.gone)) setTriggerValue("ended", Date.now());
      return;
    }
    if (runs.some((r) => !r.ended)) {
      // Every second while a run trains; a run that only waits for a worker moves in the queue slowly.
      const training = runs.some((r) => !r.ended && r.statusNow !== "queued");
      const backoff = Math.min(2 ** Math.max(0, failures - 2), 10);
      const every = training ? data.interval : data.queued_interval || data.interval;
      timer = setTimeout(tick, more ? 0 : every * 1000 * backoff);
    }
  }

  function onVisibility() {
    if (!document.hidden && timer === null && !stopped && !done) tick();
  }
  document.addEventListener("visibilitychange", onVisibility);
  tick();

  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisibility);
    for (const chart of charts) if (chart.view) chart.view.finalize();
    root.remove();
  };
}
