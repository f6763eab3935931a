// Upload feedback for the Data panel: the file's name and size and the seconds elapsed while
// dcc.Upload reads it and the server checks it (dcc.Upload reports no byte progress), and an
// immediate message for a file over the limit, which dcc.Upload silently refuses to send.
(function () {
  "use strict";
  let timer = null;

  function status() { return document.getElementById("data-upload-status"); }

  function formatSize(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
  }

  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
  }

  function start(file) {
    const box = status();
    if (!box || !file) return;
    stop();
    const values = { name: file.name, size: formatSize(file.size) };
    if (file.size > Number(box.dataset.maxBytes || Infinity)) {
      box.textContent = fill(box.dataset.tooBig || "", values);
      box.classList.add("upload-refused");
      return;
    }
    box.classList.remove("upload-refused");
    const began = performance.now();
    const tick = () => {
      values.seconds = Math.round((performance.now() - began) / 1000);
      box.textContent = fill(box.dataset.sending || "", values);
    };
    tick();
    timer = setInterval(tick, 500);
  }

  // The report replaces #data-report's children when the import is done (or refused). The file
  // input is emptied then: a browser fires no change for the file already chosen, so the same
  // file picked again (say, after filling in the date for undated rows) would send nothing.
  const observer = new MutationObserver(() => {
    const box = status();
    if (timer && box) { stop(); box.textContent = ""; }
    const input = document.querySelector("#data-upload input[type=file]");
    if (input && input.value) input.value = "";
  });

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input && input.closest && input.closest("#data-upload") && input.files && input.files.length) {
      start(input.files[0]);
    }
  }, true);
  document.addEventListener("drop", (event) => {
    const zone = event.target && event.target.closest && event.target.closest("#data-upload");
    if (zone && event.dataTransfer && event.dataTransfer.files.length) start(event.dataTransfer.files[0]);
  }, true);
  // Attach the observer once the report area exists (the page body is rendered by a callback).
  const attach = setInterval(() => {
    const report = document.getElementById("data-report");
    if (report) { observer.observe(report, { childList: true, subtree: true }); clearInterval(attach); }
  }, 300);
})();
