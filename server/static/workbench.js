// SkillGraph workbench: editor highlighting, running queries, the results table, downloads, share links.
// Hand-written, no dependencies, so the page works offline.
(function () {
  "use strict";
  var root = document.getElementById("workbench");
  var base = root.dataset.base || "";
  var FORMATS = JSON.parse(root.dataset.formats);
  var ID = "https://w3id.org/skillgraph/id/", GRAPH = "https://w3id.org/skillgraph/graph/",
      ONTO = "https://w3id.org/skillgraph/ontology#";
  var editor = document.getElementById("query"), hl = document.getElementById("highlight");
  var graphSel = document.getElementById("graph"), statusEl = document.getElementById("status");
  var errorEl = document.getElementById("error"), resultsEl = document.getElementById("results");
  var downloadsEl = document.getElementById("downloads"), pagerEl = document.getElementById("pager");
  var state = { vars: [], rows: [], page: 0 };

  // ---- highlighting: one regular expression, alternatives tried in order
  var KEYWORDS = ("SELECT CONSTRUCT DESCRIBE ASK WHERE FILTER OPTIONAL UNION MINUS GRAPH SERVICE BIND VALUES AS " +
    "DISTINCT REDUCED ORDER BY GROUP HAVING LIMIT OFFSET ASC DESC PREFIX BASE FROM NAMED NOT EXISTS IN a COUNT SUM " +
    "MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE ISIRI ISURI ISBLANK " +
    "ISLITERAL ISNUMERIC REGEX CONTAINS STRSTARTS STRENDS LCASE UCASE CONCAT COALESCE IF STRLEN SUBSTR REPLACE " +
    "TRUE FALSE UNDEF").split(" ");
  var KW = {};
  KEYWORDS.forEach(function (k) { KW[k.toUpperCase()] = true; });
  var TOKEN = /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][A-Za-z_0-9]+)|([A-Za-z][\w.-]*)?(:[\w.%-]*)|([A-Za-z_][A-Za-z_0-9]*)|(\d+(?:\.\d+)?)/g;

  function esc(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

  function highlight(text) {
    var out = "", last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      out += esc(text.slice(last, m.index));
      var t = m[0], cls = null;
      if (m[1]) cls = "cmt"; else if (m[2]) cls = "str"; else if (m[3]) cls = "iri"; else if (m[4]) cls = "var";
      else if (m[6] !== undefined) cls = "pn"; else if (m[7]) cls = KW[t.toUpperCase()] ? "kw" : null; else if (m[8]) cls = "num";
      out += cls ? '<span class="tk-' + cls + '">' + esc(t) + "</span>" : esc(t);
      last = m.index + t.length;
    }
    return out + esc(text.slice(last)) + "\n";
  }

  function refresh() { hl.innerHTML = highlight(editor.value); hl.scrollTop = editor.scrollTop; hl.scrollLeft = editor.scrollLeft; updateShare(); }
  editor.addEventListener("input", refresh);
  editor.addEventListener("scroll", function () { hl.scrollTop = editor.scrollTop; hl.scrollLeft = editor.scrollLeft; });
  editor.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
    if (e.key === "Tab") {  // indent instead of leaving the editor
      e.preventDefault();
      var s = editor.selectionStart;
      editor.value = editor.value.slice(0, s) + "  " + editor.value.slice(editor.selectionEnd);
      editor.selectionStart = editor.selectionEnd = s + 2;
      refresh();
    }
  });

  // ---- links to Linked Data pages, as the server maps IRIs
  function pageOf(iri) {
    if (iri.indexOf(ID) === 0) return base + "/id/" + iri.slice(ID.length);
    if (iri.indexOf(GRAPH) === 0 && iri.slice(GRAPH.length).indexOf("/") < 0) return base + "/graph/" + iri.slice(GRAPH.length);
    if (iri.indexOf(ONTO) === 0) return base + "/ontology#" + iri.slice(ONTO.length);
    return base + "/resource?iri=" + encodeURIComponent(iri);
  }

  function cell(b) {
    var td = document.createElement("td");
    if (!b) return td;
    if (b.type === "uri") {
      var a = document.createElement("a");
      a.href = pageOf(b.value); a.textContent = b.value; a.className = "iri";
      td.appendChild(a);
    } else if (b.type === "bnode") {
      td.textContent = "_:" + b.value;
    } else {
      td.appendChild(document.createTextNode(b.value));
      var tag = b["xml:lang"] ? "@" + b["xml:lang"] : (b.datatype ? b.datatype.replace(/^.*[#\/]/, "") : "");
      if (tag) { var sm = document.createElement("small"); sm.className = "dt"; sm.textContent = " " + tag; td.appendChild(sm); }
    }
    return td;
  }

  function pageSize() { return parseInt(document.getElementById("pagesize").value, 10); }

  function renderTable() {
    var size = pageSize(), start = state.page * size, rows = state.rows.slice(start, start + size);
    var table = document.createElement("table"), head = table.insertRow();
    table.id = "result-table";
    state.vars.forEach(function (v) { var th = document.createElement("th"); th.textContent = "?" + v; head.appendChild(th); });
    rows.forEach(function (r) { var tr = table.insertRow(); state.vars.forEach(function (v) { tr.appendChild(cell(r[v])); }); });
    resultsEl.innerHTML = ""; resultsEl.appendChild(table);
    pagerEl.hidden = state.rows.length <= size;
    document.getElementById("range").textContent = "rows " + (state.rows.length ? start + 1 : 0) + "–" +
      Math.min(start + size, state.rows.length) + " of " + state.rows.length;
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = start + size >= state.rows.length;
  }
  document.getElementById("prev").addEventListener("click", function () { state.page--; renderTable(); });
  document.getElementById("next").addEventListener("click", function () { state.page++; renderTable(); });
  document.getElementById("pagesize").addEventListener("change", function () { state.page = 0; renderTable(); });

  function queryParams(extra) {
    var p = new URLSearchParams();
    p.set("query", editor.value);
    if (graphSel.value) p.set("default-graph-uri", graphSel.value);
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return p;
  }

  function showDownloads(kind) {
    downloadsEl.innerHTML = "Download: ";
    FORMATS[kind].forEach(function (f) {
      var a = document.createElement("a");
      a.href = base + "/sparql?" + queryParams({ format: f.name }).toString();
      a.textContent = f.name; a.title = f.media; a.setAttribute("download", "result." + f.name);
      downloadsEl.appendChild(a);
    });
    downloadsEl.hidden = false;
  }

  function updateShare() {
    var p = new URLSearchParams();
    p.set("query", editor.value); p.set("run", "1");
    if (graphSel.value) p.set("graph", graphSel.value);
    document.getElementById("share").href = base + "/?" + p.toString();
  }
  graphSel.addEventListener("change", updateShare);

  function fail(text) {
    errorEl.textContent = text; errorEl.hidden = false;
    statusEl.textContent = "error";
  }

  function run() {
    errorEl.hidden = true; downloadsEl.hidden = true; pagerEl.hidden = true;
    resultsEl.innerHTML = ""; statusEl.textContent = "running…";
    var t0 = Date.now();
    fetch(base + "/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: queryParams().toString()
    }).then(function (resp) {
      var type = (resp.headers.get("Content-Type") || "").split(";")[0];
      return resp.text().then(function (body) {
        if (!resp.ok) { fail(resp.status + " " + resp.statusText + ": " + body); return; }
        var secs = ((Date.now() - t0) / 1000).toFixed(2) + " s";
        if (type === "application/sparql-results+json") {
          var doc = JSON.parse(body);
          showDownloads("results");
          if (doc.boolean !== undefined) { resultsEl.innerHTML = ""; var p = document.createElement("p"); p.id = "ask"; p.textContent = "ASK: " + doc.boolean; resultsEl.appendChild(p); statusEl.textContent = secs; return; }
          state.vars = doc.head.vars; state.rows = doc.results.bindings; state.page = 0;
          renderTable();
          var trunc = resp.headers.get("X-SkillGraph-Truncated") ? " (truncated by the server's result limit)" : "";
          statusEl.textContent = state.rows.length + " row(s) in " + secs + trunc;
        } else {
          showDownloads("graph");
          var pre = document.createElement("pre"); pre.id = "graph-result"; pre.textContent = body;
          resultsEl.innerHTML = ""; resultsEl.appendChild(pre);
          statusEl.textContent = (resp.headers.get("X-SkillGraph-Count") || "?") + " triple(s) in " + secs;
        }
      });
    }).catch(function (e) { fail("the request failed: " + e); });
  }
  document.getElementById("run").addEventListener("click", run);

  // ---- curated queries: show the query text in the editor and run it with its parameters (the server binds them)
  Array.prototype.forEach.call(document.querySelectorAll("form.params"), function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = form.closest("li").querySelector(".example-text").value;
      errorEl.hidden = true; statusEl.textContent = "running…";
      fetch(base + "/queries/" + encodeURIComponent(form.dataset.name) + "?" + new URLSearchParams(new FormData(form)).toString(),
            { headers: { "Accept": "application/sparql-results+json" } })
        .then(function (resp) { return resp.text().then(function (body) { return { resp: resp, body: body }; }); })
        .then(function (r) {
          editor.value = text; refresh();
          if (!r.resp.ok) { fail(r.resp.status + ": " + r.body); return; }
          errorEl.hidden = true;
          var doc = JSON.parse(r.body);
          state.vars = doc.head.vars; state.rows = doc.results.bindings; state.page = 0;
          renderTable(); showDownloadsFor(form);
          statusEl.textContent = state.rows.length + " row(s) — curated query " + form.dataset.name;
        });
    });
  });
  function showDownloadsFor(form) {
    downloadsEl.innerHTML = "Download: ";
    FORMATS.results.forEach(function (f) {
      var p = new URLSearchParams(new FormData(form)); p.set("format", f.name);
      var a = document.createElement("a");
      a.href = base + "/queries/" + encodeURIComponent(form.dataset.name) + "?" + p.toString();
      a.textContent = f.name; a.title = f.media; downloadsEl.appendChild(a);
    });
    downloadsEl.hidden = false;
  }

  // ---- shareable links: /?query=...&run=1&graph=IRI
  var params = new URLSearchParams(window.location.search);
  if (params.get("query")) editor.value = params.get("query");
  if (params.get("graph")) graphSel.value = params.get("graph");
  refresh();
  if (params.get("run") === "1") run();
})();
