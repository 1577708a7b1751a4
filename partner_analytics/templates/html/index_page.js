/* Index page: sort by any column, filter by type, tier and region, search by name. Inline, no network. */
(function () {
  "use strict";
  var table = document.getElementById("pa-partners");
  var form = document.getElementById("pa-filters");
  var count = document.getElementById("pa-count");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var numeric = { revenue: true, attainment: true, composite: true };
  var columns = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.dataset.key; });

  function cellValue(row, key) {
    if (numeric[key]) { var v = row.dataset[key]; return v === "" ? null : parseFloat(v); }
    if (key === "status") { return row.dataset.status || "ok"; }
    return row.cells[columns.indexOf(key)].textContent.trim().toLowerCase();
  }

  function sortBy(th, direction) {
    var key = th.dataset.key;
    var sign = direction === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = cellValue(a, key), y = cellValue(b, key);
      if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }  /* missing values last */
      return (x < y ? -1 : x > y ? 1 : 0) * sign;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", direction);
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function filter() {
    var query = form.elements.q.value.trim().toLowerCase();
    var wanted = { type: form.elements.type.value, tier: form.elements.tier.value, region: form.elements.region.value };
    var shown = 0;
    rows.forEach(function (row) {
      var ok = !query || row.cells[0].textContent.toLowerCase().indexOf(query) !== -1;
      for (var key in wanted) { if (wanted[key] && row.dataset[key] !== wanted[key]) { ok = false; } }
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " partners";
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    button.title = "Sort by " + th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var current = th.getAttribute("aria-sort");
      var first = numeric[th.dataset.key] ? "descending" : "ascending";
      var other = first === "ascending" ? "descending" : "ascending";
      sortBy(th, current === first ? other : first);
    });
  });
  form.addEventListener("input", filter);
  form.addEventListener("change", filter);
}());
