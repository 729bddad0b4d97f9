// Polls a report job's status and offers the download when the PDF is ready.
// Without JavaScript the page's "check again" link does the same by hand.
// The texts come from data attributes, so they follow the page's language.
(function () {
  "use strict";
  var box = document.querySelector("[data-report-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-report-status");
  var bar = box.querySelector("progress");
  var message = box.querySelector("[data-report-message]");
  var refresh = box.querySelector("[data-report-refresh]");

  function offerDownload() {
    var p = document.createElement("p");
    var a = document.createElement("a");
    a.className = "pkt-btn pkt-btn--primary";
    a.href = box.getAttribute("data-report-download");
    a.textContent = box.getAttribute("data-text-download");
    p.appendChild(a);
    if (refresh) { refresh.parentNode.replaceChild(p, refresh); } else { box.appendChild(p); }
    a.focus();
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        var progress = job.progress || 0;
        if (bar) { bar.value = progress; bar.textContent = progress + " %"; }
        if (job.ready) {
          if (bar) { bar.value = 100; }
          message.textContent = box.getAttribute("data-text-ready");
          offerDownload();
          return;
        }
        if (job.state === "failed" || job.state === "expired") {
          message.textContent = box.getAttribute("data-text-failed");
          return;
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
