# ruff: noqa: E501 - the script is JavaScript in a string; its lines are not Python's.
"""The Stripe.js stand-in served at ``/v3/``: the subset of Stripe.js the project's pages use.

Card details are typed into inputs this script renders inside the mount element (Stripe renders
an iframe; tests find ours by their labels), sent to this server with the publishable key, and
3-D Secure challenges appear as a modal in the page, like Stripe's own.
"""

from __future__ import annotations

from .routing import Ctx, Response, route

SCRIPT = r"""
(function () {
  "use strict";
  var current = document.currentScript;
  var BASE = current && current.src ? new URL(current.src).origin : "";
  var counter = 0;

  function encode(value, prefix, pairs) {
    if (value === null || value === undefined) return pairs;
    if (typeof value === "object") {
      Object.keys(value).forEach(function (key) { encode(value[key], prefix ? prefix + "[" + key + "]" : key, pairs); });
    } else {
      pairs.push(encodeURIComponent(prefix) + "=" + encodeURIComponent(String(value)));
    }
    return pairs;
  }

  function request(key, method, path, params) {
    var body = encode(params || {}, "", []).join("&");
    var url = BASE + path + (method === "GET" && body ? "?" + body : "");
    return fetch(url, {
      method: method,
      headers: { "Authorization": "Bearer " + key, "Content-Type": "application/x-www-form-urlencoded" },
      body: method === "GET" ? undefined : body
    }).then(function (response) { return response.json(); });
  }

  function intentId(clientSecret) { return String(clientSecret).split("_secret_")[0]; }

  // -- the card element ---------------------------------------------------------------------
  function CardElement(options) {
    this.options = options || {};
    this.handlers = {};
    this.node = null;
    this.id = "local-stripe-card-" + (++counter);
  }
  CardElement.prototype.mount = function (target) {
    var host = typeof target === "string" ? document.querySelector(target) : target;
    if (!host) throw new Error("Stripe.js (local): mount target not found: " + target);
    var id = this.id;
    var wrapper = document.createElement("div");
    wrapper.className = "LocalStripeElement";
    wrapper.innerHTML =
      '<div><label for="' + id + '-number">Card number</label>' +
      '<input id="' + id + '-number" name="cardnumber" autocomplete="cc-number" inputmode="numeric" placeholder="1234 1234 1234 1234"></div>' +
      '<div><label for="' + id + '-exp">Expiry (MM/YY)</label>' +
      '<input id="' + id + '-exp" name="exp-date" autocomplete="cc-exp" inputmode="numeric" placeholder="MM / YY"></div>' +
      '<div><label for="' + id + '-cvc">CVC</label>' +
      '<input id="' + id + '-cvc" name="cvc" autocomplete="cc-csc" inputmode="numeric" placeholder="CVC"></div>' +
      '<div class="LocalStripeElement-error" role="alert" aria-live="polite"></div>';
    host.appendChild(wrapper);
    this.node = wrapper;
    var self = this;
    ["number", "exp", "cvc"].forEach(function (part) {
      wrapper.querySelector("#" + id + "-" + part).addEventListener("input", function () { self._changed(); });
    });
    setTimeout(function () { self._emit("ready", {elementType: "card"}); }, 0);
    return this;
  };
  CardElement.prototype._input = function (part) { return this.node.querySelector("#" + this.id + "-" + part); };
  CardElement.prototype._values = function () {
    var exp = this._input("exp").value.replace(/\s/g, "").split("/");
    return {
      number: this._input("number").value.replace(/\D/g, ""),
      exp_month: exp[0] || "",
      exp_year: exp[1] || "",
      cvc: this._input("cvc").value.replace(/\D/g, "")
    };
  };
  CardElement.prototype._validate = function () {
    var v = this._values();
    if (v.number.length < 12) return {type: "validation_error", code: "incomplete_number", message: "Your card number is incomplete."};
    if (!/^\d{1,2}$/.test(v.exp_month) || !/^\d{2,4}$/.test(v.exp_year)) return {type: "validation_error", code: "incomplete_expiry", message: "Your card's expiration date is incomplete."};
    if (v.cvc.length < 3) return {type: "validation_error", code: "incomplete_cvc", message: "Your card's security code is incomplete."};
    return null;
  };
  CardElement.prototype._changed = function () {
    var v = this._values();
    var error = this._validate();
    var empty = !v.number && !v.exp_month && !v.cvc;
    var brand = /^3[47]/.test(v.number) ? "amex" : /^[25]/.test(v.number) ? "mastercard" : v.number ? "visa" : "unknown";
    this.node.querySelector(".LocalStripeElement-error").textContent = "";
    this._emit("change", {elementType: "card", empty: empty, complete: !error, brand: brand, error: undefined, value: {}});
  };
  CardElement.prototype._showError = function (error) {
    if (this.node) this.node.querySelector(".LocalStripeElement-error").textContent = error ? error.message : "";
  };
  CardElement.prototype._emit = function (name, event) {
    (this.handlers[name] || []).forEach(function (handler) { handler(event); });
  };
  CardElement.prototype.on = function (name, handler) {
    (this.handlers[name] = this.handlers[name] || []).push(handler); return this;
  };
  CardElement.prototype.off = function (name) { delete this.handlers[name]; return this; };
  CardElement.prototype.focus = function () { this._input("number").focus(); };
  CardElement.prototype.blur = function () {};
  CardElement.prototype.update = function () {};
  CardElement.prototype.clear = function () {
    var self = this; ["number", "exp", "cvc"].forEach(function (part) { self._input(part).value = ""; });
  };
  CardElement.prototype.unmount = function () { if (this.node) { this.node.remove(); this.node = null; } };
  CardElement.prototype.destroy = CardElement.prototype.unmount;

  function Elements(stripe, options) { this.stripe = stripe; this.options = options || {}; this.created = {}; }
  Elements.prototype.create = function (type, options) {
    if (type !== "card") throw new Error("Stripe.js (local) supports the 'card' element only, not '" + type + "'.");
    return (this.created[type] = new CardElement(options));
  };
  Elements.prototype.getElement = function (type) { return this.created[type] || null; };

  // -- the 3-D Secure challenge -----------------------------------------------------------------
  function challenge(amountText) {
    return new Promise(function (resolve) {
      var overlay = document.createElement("div");
      overlay.setAttribute("style", "position:fixed;inset:0;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center;z-index:2147483647");
      overlay.innerHTML =
        '<div role="dialog" aria-modal="true" aria-labelledby="local-stripe-3ds-title" style="background:#fff;padding:24px;border-radius:8px;max-width:360px;font-family:system-ui,sans-serif">' +
        '<h2 id="local-stripe-3ds-title">3D Secure authentication</h2>' +
        '<p>Your bank asks you to confirm ' + amountText + '. (Local Stripe test mode.)</p>' +
        '<button type="button" data-outcome="complete">Complete authentication</button> ' +
        '<button type="button" data-outcome="fail">Fail authentication</button></div>';
      overlay.querySelectorAll("button").forEach(function (button) {
        button.addEventListener("click", function () { overlay.remove(); resolve(button.getAttribute("data-outcome")); });
      });
      document.body.appendChild(overlay);
    });
  }

  // -- Stripe() ---------------------------------------------------------------------------------
  function Stripe(key, options) {
    if (!(this instanceof Stripe)) return new Stripe(key, options);
    if (!key || key.indexOf("pk_") !== 0) throw new Error("Stripe.js (local): a publishable key (pk_test_...) is required.");
    this.key = key;
    this.options = options || {};
  }
  Stripe.prototype.elements = function (options) { return new Elements(this, options); };

  Stripe.prototype._createMethod = function (card, billingDetails) {
    var error = card._validate();
    if (error) { card._showError(error); return Promise.resolve({error: error}); }
    var v = card._values();
    return request(this.key, "POST", "/v1/payment_methods", {
      type: "card",
      card: {number: v.number, exp_month: v.exp_month, exp_year: v.exp_year, cvc: v.cvc},
      billing_details: billingDetails
    }).then(function (body) {
      if (body.error) { card._showError(body.error); return {error: body.error}; }
      return {paymentMethod: body};
    });
  };

  Stripe.prototype.createPaymentMethod = function (typeOrOptions, element, data) {
    var options = typeof typeOrOptions === "string" ? {type: typeOrOptions, card: element, billing_details: (data || {}).billing_details} : typeOrOptions;
    return this._createMethod(options.card || options.element, options.billing_details);
  };

  Stripe.prototype._methodId = function (paymentMethod) {
    if (!paymentMethod) return Promise.resolve({id: null});
    if (typeof paymentMethod === "string") return Promise.resolve({id: paymentMethod});
    return this._createMethod(paymentMethod.card, paymentMethod.billing_details).then(function (result) {
      return result.error ? {error: result.error} : {id: result.paymentMethod.id};
    });
  };

  Stripe.prototype._result = function (kind, intent) {
    var failure = kind === "setup_intent" ? intent.last_setup_error : intent.last_payment_error;
    if (intent.status === "requires_payment_method" && failure) {
      var error = Object.assign({}, failure);
      error[kind] = intent;
      return {error: error};
    }
    return kind === "setup_intent" ? {setupIntent: intent} : {paymentIntent: intent};
  };

  Stripe.prototype._resolveAction = function (kind, intent) {
    var self = this;
    if (intent.status !== "requires_action") return Promise.resolve(self._result(kind, intent));
    var amount = kind === "payment_intent" ? "$" + (intent.amount / 100).toFixed(2) : "saving your card";
    return challenge(amount).then(function (outcome) {
      return request(self.key, "POST", "/_local/intents/" + intent.id + "/authenticate",
        {client_secret: intent.client_secret, outcome: outcome});
    }).then(function (body) { return body.error ? {error: body.error} : self._result(kind, body); });
  };

  Stripe.prototype._confirm = function (kind, clientSecret, data) {
    var self = this;
    data = data || {};
    var path = (kind === "setup_intent" ? "/v1/setup_intents/" : "/v1/payment_intents/") + intentId(clientSecret) + "/confirm";
    return self._methodId(data.payment_method).then(function (method) {
      if (method.error) return {error: method.error};
      var params = {client_secret: clientSecret};
      if (method.id) params.payment_method = method.id;
      if (data.return_url) params.return_url = data.return_url;
      if (data.setup_future_usage) params.setup_future_usage = data.setup_future_usage;
      return request(self.key, "POST", path, params).then(function (body) {
        if (body.error) return {error: body.error};
        return self._resolveAction(kind, body);
      });
    });
  };

  Stripe.prototype.confirmCardSetup = function (clientSecret, data) { return this._confirm("setup_intent", clientSecret, data); };
  Stripe.prototype.confirmCardPayment = function (clientSecret, data) { return this._confirm("payment_intent", clientSecret, data); };

  Stripe.prototype._retrieve = function (clientSecret) {
    var kind = String(clientSecret).indexOf("seti_") === 0 ? "setup_intent" : "payment_intent";
    var path = (kind === "setup_intent" ? "/v1/setup_intents/" : "/v1/payment_intents/") + intentId(clientSecret);
    return request(this.key, "GET", path, {client_secret: clientSecret}).then(function (body) { return {kind: kind, body: body}; });
  };
  Stripe.prototype.retrievePaymentIntent = function (clientSecret) {
    return this._retrieve(clientSecret).then(function (r) { return r.body.error ? {error: r.body.error} : {paymentIntent: r.body}; });
  };
  Stripe.prototype.retrieveSetupIntent = function (clientSecret) {
    return this._retrieve(clientSecret).then(function (r) { return r.body.error ? {error: r.body.error} : {setupIntent: r.body}; });
  };
  Stripe.prototype.handleNextAction = function (options) {
    var self = this;
    return this._retrieve(options.clientSecret).then(function (r) {
      return r.body.error ? {error: r.body.error} : self._resolveAction(r.kind, r.body);
    });
  };

  window.Stripe = Stripe;
})();
"""


@route("GET", "/v3/", auth="none")
def stripe_js(ctx: Ctx, params: dict):
    return Response(
        body=SCRIPT, content_type="application/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


@route("GET", "/v3", auth="none")
def stripe_js_bare(ctx: Ctx, params: dict):
    return stripe_js(ctx, params)
