(function () {
  "use strict";
  var steps = document.getElementById("steps");
  var status = document.getElementById("status");
  var errorBox = document.getElementById("error");
  var errorText = document.getElementById("error-text");
  var card = document.querySelector(".card");
  document.getElementById("retry").addEventListener("click", function () { location.reload(); });

  function step(text) {
    var prev = steps.querySelector("li.last");
    if (prev) prev.className = "";
    var li = document.createElement("li");
    li.className = "last";
    li.textContent = text;
    steps.appendChild(li);
  }

  function parse(e) {
    try { return JSON.parse(e.data); } catch (x) { return { message: "", error: "" }; }
  }

  if (!window.EventSource) { setTimeout(function () { location.reload(); }, 3000); return; }
  var source = new EventSource("/.well-known/dormouse/events");
  ["starting", "waking_dependency", "dependency_ready", "container_started", "waiting_ready"].forEach(function (type) {
    source.addEventListener(type, function (e) {
      var d = parse(e);
      if (d.message) { step(d.message); status.textContent = d.message; }
    });
  });
  source.addEventListener("ready", function (e) {
    var d = parse(e);
    source.close();
    card.className = "card done";
    step(d.message || "Ready");
    status.textContent = "Ready. Loading…";
    location.reload();
  });
  source.addEventListener("error", function (e) {
    if (!e.data) return; // a dropped connection: EventSource reconnects by itself
    var d = parse(e);
    source.close();
    card.className = "card failed";
    document.querySelector("h1").textContent = "Could not wake " + card.getAttribute("data-route");
    status.textContent = d.message || "The service did not start.";
    errorText.textContent = d.error || "The service did not start.";
    errorBox.hidden = false;
  });
})();
