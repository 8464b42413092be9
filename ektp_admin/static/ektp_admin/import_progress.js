/* ektp-admin: live progress of an import (no inline script, no CDN).
   The page holds <div data-ektp-progress="URL">: poll URL every second, show
   the bar and the server's text; when the import has finished, reload the page
   so the server renders its report. */
(function () {
  "use strict";
  var box = document.querySelector("[data-ektp-progress]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-ektp-progress");
  var bar = box.querySelector(".progress-bar");
  var text = box.querySelector("[data-ektp-progress-text]");

  function show(data) {
    var percent = data.percent === null || data.percent === undefined ? null : data.percent;
    if (bar) {
      bar.style.width = (percent === null ? 100 : percent) + "%";
      bar.setAttribute("aria-valuenow", percent === null ? "0" : String(percent));
    }
    if (text && data.text) {
      text.textContent = data.text;
    }
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 500);
}());
