/* Small enhancements; every page works without them.
   - what-if: recompute the bonus as the numbers change (debounced POST to the JSON endpoint);
   - payroll runs: poll the run's status every second while Celery works, reload when it is done;
   - forms with data-confirm ask before they submit;
   - KPI bars take their width and ticks their place from data-bar-width / data-bar-left
     (the Content-Security-Policy allows no style attributes in the page). */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function setText(root, selector, text) {
    root.querySelectorAll(selector).forEach(function (el) { el.textContent = text; });
  }

  /* What-if */
  function initWhatIf(form) {
    var url = form.getAttribute("data-what-if");
    var csrf = form.getAttribute("data-csrf");
    var period = form.getAttribute("data-period");
    var result = document.querySelector("[data-what-if-result]");
    var inputs = form.querySelectorAll("[data-measure]");
    var latest = 0;

    function showErrors(errors) {
      inputs.forEach(function (input) {
        var code = input.getAttribute("data-measure");
        var message = errors[code] || "";
        if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
        setText(form, '[data-error-for="' + code + '"]', message);
      });
      setText(result, '[data-wi="error"]', errors.__all__ || errors.period || "");
    }

    function recompute() {
      var measures = {};
      inputs.forEach(function (input) {
        if (input.value.trim() !== "") { measures[input.getAttribute("data-measure")] = input.value; }
      });
      var ticket = ++latest;
      result.classList.add("is-busy");
      result.setAttribute("aria-busy", "true");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
        body: JSON.stringify({ period: period, measures: measures })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (answer) {
        if (ticket !== latest) { return; } /* a newer request is on its way */
        if (!answer.ok) { showErrors(answer.body.errors || {}); return; }
        showErrors({});
        var shown = answer.body.display;
        setText(result, '[data-wi="bonus"]', shown.bonus);
        setText(result, '[data-wi="total"]', shown.total);
        setText(result, '[data-wi="difference"]', shown.difference);
        Object.keys(shown.factors).forEach(function (name) {
          setText(result, '[data-wi-factor="' + name + '"]', shown.factors[name].coefficient);
          setText(result, '[data-wi-factor-pct="' + name + '"]', shown.factors[name].percentage);
        });
      }).catch(function () {
        if (ticket === latest) { setText(result, '[data-wi="error"]', form.getAttribute("data-offline") || "…"); }
      }).finally(function () {
        if (ticket === latest) { result.classList.remove("is-busy"); result.removeAttribute("aria-busy"); }
      });
    }

    form.addEventListener("input", debounce(recompute, 300));
    form.addEventListener("submit", function (event) { event.preventDefault(); recompute(); });
  }

  /* Run progress */
  function initPoll(el) {
    var url = el.getAttribute("data-poll");
    var bar = el.querySelector("progress");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (run) {
          if (bar) { bar.value = run.progress_pct; bar.textContent = run.progress_pct + "%"; }
          Object.keys(run).forEach(function (key) { setText(el, '[data-field="' + key + '"]', String(run[key])); });
          if (run.working) { setTimeout(tick, 1000); } else { window.location.reload(); }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 1000);
  }

  function initConfirm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }

  function placeBars(root) {
    root.querySelectorAll("[data-bar-width]").forEach(function (el) { el.style.width = el.getAttribute("data-bar-width") + "%"; });
    root.querySelectorAll("[data-bar-left]").forEach(function (el) { el.style.left = el.getAttribute("data-bar-left") + "%"; });
  }

  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    placeBars(document);
    document.querySelectorAll("form[data-what-if]").forEach(initWhatIf);
    document.querySelectorAll("[data-poll]").forEach(initPoll);
    document.querySelectorAll("form[data-confirm]").forEach(initConfirm);
  });
})();
