// The clerk's cart: the running total, the balance after, and the PIN field when the total needs it.
// Without JavaScript the form still works: the server checks everything and says what is wrong.
(function () {
  "use strict";
  var form = document.querySelector("[data-cart]");
  if (!form) return;
  var balance = parseInt(form.getAttribute("data-balance"), 10) || 0;
  var threshold = parseInt(form.getAttribute("data-threshold"), 10) || 0;
  var sum = form.querySelector("[data-cart-sum]");
  var totalOut = form.querySelector("[data-cart-total]");
  var afterOut = form.querySelector("[data-cart-after]");
  var shortNote = form.querySelector("[data-cart-short]");
  var pin = form.querySelector("[data-cart-pin]");
  var pinInput = pin ? pin.querySelector("input") : null;

  function update() {
    var total = 0;
    form.querySelectorAll("[data-qty]").forEach(function (input) {
      var qty = /^[0-9]{1,3}$/.test(input.value.trim()) ? parseInt(input.value, 10) : 0;
      total += qty * (parseInt(input.getAttribute("data-price"), 10) || 0);
    });
    sum.hidden = false;
    totalOut.textContent = total;
    afterOut.textContent = balance - total;
    shortNote.hidden = total <= balance;
    // Keep the field when the server asked for the PIN (an error is shown in it).
    var asked = pin && pin.querySelector("[aria-invalid]");
    if (pin) pin.hidden = total <= threshold && !asked && !(pinInput && pinInput.value);
  }

  form.addEventListener("input", update);
  update();
})();
