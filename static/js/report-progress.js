// Polls a report job's status and offers the download when the PDF is ready.
// Without JavaScript the page's "check again" link does the same by hand.
(function () {
  "use strict";
  var box = document.querySelector("[data-report-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-report-status");
  var bar = box.querySelector("progress");
  var message = box.querySelector("[data-report-message]");
  var ready = box.querySelector("[data-report-ready]");
  var refresh = box.querySelector("[data-report-refresh]");
  var texts = {
    ready: document.documentElement.lang === "en" ? "The report is ready." : "Rapporten er klar.",
    failed: document.documentElement.lang === "en"
      ? "The report could not be built. Try again later."
      : "Rapporten kunne ikke lages. Prøv igjen senere."
  };
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        if (bar) { bar.value = job.progress || 0; bar.textContent = (job.progress || 0) + " %"; }
        if (job.ready) {
          if (bar) { bar.value = 100; }
          message.textContent = texts.ready;
          ready.hidden = false;
          if (refresh) { refresh.hidden = true; }
          return;
        }
        if (job.state === "failed" || job.state === "expired") {
          message.textContent = texts.failed;
          return;
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
