/**
 * The admin UI's one script, served from the package and loaded with the page's CSP nonce. It only
 * enhances server-rendered pages: live table refresh over the resource's SSE, delete confirmation,
 * and the API explorer's operation picker. Everything works without it except the live refresh.
 */
export const ADMIN_SCRIPT = `(() => {
  "use strict";
  const live = document.querySelector("[data-live-url]");
  if (live && "EventSource" in window) {
    const status = document.querySelector("[data-live-status]");
    let timer = 0;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const response = await fetch(location.href, { headers: { accept: "text/html" }, credentials: "same-origin" });
        if (!response.ok) return;
        const next = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("rows");
        const current = document.getElementById("rows");
        if (next && current) current.replaceWith(document.importNode(next, true));
      }, 250);
    };
    const source = new EventSource(live.getAttribute("data-live-url"), { withCredentials: true });
    for (const type of ["added", "changed", "removed", "invalidate"]) source.addEventListener(type, refresh);
    source.addEventListener("open", () => status && status.setAttribute("data-state", "open"));
    source.addEventListener("error", () => status && status.setAttribute("data-state", "closed"));
  }
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const question = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
    if (question && !confirm(question)) event.preventDefault();
  });
  const picker = document.getElementById("operation");
  if (picker instanceof HTMLSelectElement) {
    picker.addEventListener("change", () => {
      const option = picker.selectedOptions[0];
      if (!option || !option.value) return;
      const method = document.getElementById("method");
      const path = document.getElementById("path");
      if (method instanceof HTMLSelectElement) method.value = option.getAttribute("data-method") || "GET";
      if (path instanceof HTMLInputElement) path.value = option.getAttribute("data-path") || "";
    });
  }
})();
`;
