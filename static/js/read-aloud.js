// "Read aloud" buttons (data-read-aloud="text"): speak the text in the page's language with the
// browser's own speech synthesis. A button stays hidden where the browser cannot speak that language.
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  var buttons = document.querySelectorAll("[data-read-aloud]");
  if (!synth || !window.SpeechSynthesisUtterance || !buttons.length) { return; }

  // <html lang> → the speech language and the voice languages that fit it, best first.
  var page = (document.documentElement.lang || "en").toLowerCase();
  var wanted = page.indexOf("zh-hant") === 0 ? ["zh-tw", "zh-hk"]
    : page.indexOf("zh") === 0 ? ["zh-cn"]
    : ["en"];
  var speechLang = { "zh-tw": "zh-TW", "zh-hk": "zh-HK", "zh-cn": "zh-CN", "en": "en" }[wanted[0]];

  function voiceFor() {
    var voices = synth.getVoices() || [];
    for (var i = 0; i < wanted.length; i++) {
      for (var j = 0; j < voices.length; j++) {
        var lang = (voices[j].lang || "").toLowerCase().replace("_", "-");
        if (lang === wanted[i] || lang.indexOf(wanted[i] + "-") === 0) { return voices[j]; }
      }
    }
    return null;
  }

  function speak(button) {
    if (synth.speaking) { synth.cancel(); }
    var voice = voiceFor();
    var utterance = new SpeechSynthesisUtterance(button.getAttribute("data-read-aloud"));
    utterance.lang = voice ? voice.lang.replace("_", "-") : speechLang;
    if (voice) { utterance.voice = voice; }
    utterance.rate = 0.9; // a little slower than usual: many listeners are elderly
    synth.speak(utterance);
  }

  function show() {
    if (!voiceFor()) { return false; }
    buttons.forEach(function (button) { button.hidden = false; });
    return true;
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () { speak(button); });
  });
  // Voices often load after the page: try now, and again when the browser says they changed.
  if (!show() && synth.addEventListener) {
    synth.addEventListener("voiceschanged", show);
  }
})();
