// The organizer's check-in QR (templates/activities/qr.html): the server signs a new code every 30 seconds
// and accepts the one before it too; this fetches the new picture when the shown one is replaced.
(function () {
  "use strict";
  var img = document.querySelector("[data-checkin-qr]");
  if (!img) return;
  var source = img.getAttribute("data-src");
  var every = (parseInt(img.getAttribute("data-every"), 10) || 30) * 1000;
  var first = (parseInt(img.getAttribute("data-first"), 10) || 30) * 1000;

  function renew() {
    img.src = source + (source.indexOf("?") < 0 ? "?" : "&") + "n=" + Date.now();
  }

  // A moment after the server's window turns, then every window.
  setTimeout(function () {
    renew();
    setInterval(renew, every);
  }, first + 500);
})();
