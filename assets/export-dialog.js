// Export dialog keyboard behaviour: Escape closes it; opening moves focus into it and closing
// returns focus to the Export button, so keyboard and screen-reader users are not lost.
(function () {
  document.addEventListener("keydown", function (event) {
    const dialog = document.getElementById("export-dialog");
    if (event.key === "Escape" && dialog && !dialog.hidden) {
      document.getElementById("export-close").click();
    }
  });
  let wasOpen = false;
  new MutationObserver(function () {
    const dialog = document.getElementById("export-dialog");
    const open = Boolean(dialog && !dialog.hidden);
    if (open === wasOpen) return;
    wasOpen = open;
    const target = document.getElementById(open ? "export-close" : "export-open");
    if (target) target.focus();
  }).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ["hidden"]});
})();
