/* The landing page's filter asks the hub's search (/-/search.json), so it ignores accents and
   case and ranks like the search page; without script, the form opens the search page. */
(function () {
  "use strict";
  var input = document.getElementById("hub-filter");
  if (!input || !document.querySelector(".hub-card[data-dataset]")) return;  // grouped: the form searches
  var status = document.getElementById("hub-filter-status");
  var timer = null, asked = 0;
  function show(ids, words) {
    var shown = 0;
    document.querySelectorAll(".hub-card[data-dataset]").forEach(function (card) {
      card.hidden = ids !== null && !ids.has(card.getAttribute("data-dataset"));
      if (!card.hidden) shown += 1;
    });
    document.querySelectorAll(".hub-publisher").forEach(function (section) {
      section.hidden = !section.querySelector(".hub-card:not([hidden])");
    });
    if (!status) return;
    status.textContent = "";
    if (ids === null) return;
    if (!shown) {
      status.appendChild(document.createTextNode(status.getAttribute("data-none") + " "));
      var link = document.createElement("a");
      link.href = "/-/search?q=" + encodeURIComponent(words);
      link.textContent = status.getAttribute("data-more");
      status.appendChild(link);
    } else {
      status.textContent = status.getAttribute("data-count").replace("{count}", String(shown));
    }
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var words = input.value.trim();
    if (!words) { show(null, ""); return; }
    timer = setTimeout(function () {
      var mine = ++asked;
      fetch("/-/search.json?size=1000&q=" + encodeURIComponent(words)).then(function (r) { return r.json(); })
        .then(function (found) {
          if (mine !== asked) return;  // a newer query is on its way
          var ids = new Set(found.results.map(function (r) { return r.id; }));
          found.tables.forEach(function (t) { ids.add(t.dataset_id); });
          show(ids, words);
        });
    }, 150);
  });
})();
