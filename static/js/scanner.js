// The clerk's camera scanner (templates/shop/checkout.html): it reads a card or phone QR, puts the text
// in the code field and sends the form; the server takes what follows "/c/". The browser's own
// BarcodeDetector is used when it knows QR codes, jsQR (static/vendor/jsqr-1.4.0) otherwise.
// Every message shown comes from the section's data-msg-* attributes (translated by the server).
// Without a camera (or without JavaScript) the typed code works the same.
(function () {
  "use strict";
  var root = document.querySelector("[data-scanner]");
  if (!root) return;
  var input = document.getElementById(root.getAttribute("data-input"));
  var form = document.getElementById(root.getAttribute("data-form"));
  var startButton = root.querySelector("[data-scan-start]");
  var view = root.querySelector("[data-scan-view]");
  var video = view.querySelector("video");
  var torchButton = root.querySelector("[data-scan-torch]");
  var switchButton = root.querySelector("[data-scan-switch]");
  var stopButton = root.querySelector("[data-scan-stop]");
  var status = root.querySelector("[data-scan-status]");

  var MAX_SIDE = 800; // pixels: enough for a card held in the frame, and fast on a cheap phone
  var EVERY_MS = 150;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var timer = null;
  var session = 0; // a start or stop makes older camera requests and decode loops void
  var detector = null;
  var torchOn = false;
  var cameras = [];

  function say(name) {
    status.textContent = root.getAttribute("data-msg-" + name) || "";
  }

  function track() {
    return stream ? stream.getVideoTracks()[0] : null;
  }

  function stop() {
    session += 1;
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    torchOn = false;
    video.srcObject = null;
    view.hidden = true;
    torchButton.hidden = true;
    switchButton.hidden = true;
    startButton.hidden = false;
  }

  function fail(name) {
    stop();
    say(name);
    input.focus();
  }

  // The native detector if it reads QR codes (Android Chrome), else null and jsQR decodes.
  var detecting = (function () {
    var Detector = window.BarcodeDetector;
    if (!Detector || !Detector.getSupportedFormats) return Promise.resolve(null);
    return Detector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new Detector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  })().then(function (native) {
    detector = native;
  });

  function decode() {
    if (detector) {
      return detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    }
    var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    var width = Math.round(video.videoWidth * scale);
    var height = Math.round(video.videoHeight * scale);
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    var code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height, {
      inversionAttempts: "dontInvert"
    });
    return Promise.resolve(code ? code.data : null);
  }

  function found(text) {
    stop();
    input.value = text;
    say("found");
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function loop(mine) {
    if (mine !== session) return;
    var ready = video.readyState >= 2 && video.videoWidth > 0;
    (ready ? decode() : Promise.resolve(null)).then(function (text) {
      if (mine !== session) return;
      if (text) found(text);
      else timer = setTimeout(function () { loop(mine); }, EVERY_MS);
    }, function () {
      if (mine === session) timer = setTimeout(function () { loop(mine); }, EVERY_MS);
    });
  }

  function showExtras() {
    var t = track();
    var capabilities = t && t.getCapabilities ? t.getCapabilities() : {};
    torchButton.hidden = !capabilities.torch;
    torchButton.setAttribute("aria-pressed", "false");
    if (!navigator.mediaDevices.enumerateDevices) return;
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      cameras = devices.filter(function (d) { return d.kind === "videoinput" && d.deviceId; });
      switchButton.hidden = !stream || cameras.length < 2;
    }, function () {});
  }

  // Ask for the camera in the click itself: iOS Safari wants the user's gesture for it.
  function open(constraints) {
    var mine = ++session;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    say("starting");
    startButton.hidden = true;
    view.hidden = false;
    var asking = navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
    Promise.all([asking, detecting]).then(function (results) {
      if (mine !== session) {
        results[0].getTracks().forEach(function (t) { t.stop(); });
        return;
      }
      stream = results[0];
      if (!detector && !window.jsQR) return fail("unsupported");
      video.setAttribute("playsinline", "");
      video.muted = true;
      video.srcObject = stream;
      return video.play().then(function () {
        if (mine !== session) return;
        say("aim");
        showExtras();
        loop(mine);
      });
    }).catch(function () {
      if (mine === session) fail("denied");
    });
  }

  startButton.addEventListener("click", function () {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return fail("unsupported");
    }
    open({ facingMode: { ideal: "environment" } });
  });

  stopButton.addEventListener("click", function () {
    stop();
    status.textContent = "";
    startButton.focus();
  });

  torchButton.addEventListener("click", function () {
    var t = track();
    if (!t) return;
    t.applyConstraints({ advanced: [{ torch: !torchOn }] }).then(function () {
      torchOn = !torchOn;
      torchButton.setAttribute("aria-pressed", String(torchOn));
    }, function () { torchButton.hidden = true; });
  });

  switchButton.addEventListener("click", function () {
    var t = track();
    var current = t && t.getSettings ? t.getSettings().deviceId : null;
    var ids = cameras.map(function (d) { return d.deviceId; });
    var next = ids[(ids.indexOf(current) + 1) % ids.length];
    if (next) open({ deviceId: { exact: next } });
  });

  window.addEventListener("pagehide", stop);
})();
