// Watch: polls a small JSON route of the app ({"version": ...}) every few seconds (never while the tab is
// hidden) and, when the version differs from the one it was mounted with, asks Streamlit for one rerun of the
// fragment that holds it (the "changed" trigger). Draws nothing.

export default function (component) {
  const { data, setTriggerValue } = component;
  let timer = null, stopped = false, busy = false;

  async function tick() {
    timer = null;
    if (stopped || busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(new URL(data.url, window.location.href), { cache: "no-store" });
      const type = response.headers.get("content-type") || "";
      if (response.ok && type.startsWith("application/json")) { // not Streamlit's catch-all index.html
        const answer = await response.json();
        if (answer.version !== data.version) {
          stopped = true; // the rerun mounts this watch again with the new version
          setTriggerValue("changed", answer.version);
          return;
        }
      }
    } catch (err) {
      // the server is away for a moment: ask again at the next tick
    } finally {
      busy = false;
    }
    if (!stopped) timer = setTimeout(tick, data.interval * 1000);
  }

  function onVisibility() {
    if (!document.hidden && timer === null && !stopped) tick();
  }
  document.addEventListener("visibilitychange", onVisibility);
  timer = setTimeout(tick, data.interval * 1000);
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisibility);
  };
}
