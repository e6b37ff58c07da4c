// A button with data-print opens the browser's print dialog (no inline scripts under our CSP).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
