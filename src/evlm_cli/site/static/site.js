/* evlm site: search as you type, facets, the query in the URL, and Copy BibTeX. No network: the papers come from
   the page's own <script id="evlm-data"> and the index is built here with the vendored Lunr.

   Matching follows `evlm search` as far as the browser allows: any case, accents folded, Porter stems (Lunr's
   stemmer, the algorithm SQLite's FTS5 uses), a word of 3+ letters also matches as a prefix, `word*` is a prefix,
   `"a phrase"`, `field:word` (title author venue tag note abstract key), `year:2022..2024`, `section:ID`,
   hyphenated words also as one word, every word must match; a word of 5+ letters found nowhere is matched within
   one or two edits. Results keep the survey's order. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("evlm-data").textContent);
  var docs = data.papers;
  var COLUMNS = ["title", "section", "tags", "authors", "venue", "year", "note", "abstract", "key"];
  var FIELDS = {
    title: "title", author: "authors", authors: "authors", venue: "venue", tag: "tags", tags: "tags",
    note: "note", abstract: "abstract", key: "key"
  };
  var SEPARATOR = /[^\p{L}\p{N}]+/u;
  var MIN_PREFIX = 3;

  function fold(text) {
    return String(text == null ? "" : text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function words(text) {
    return fold(text).split(SEPARATOR).filter(Boolean);
  }

  // -- the index -------------------------------------------------------------------------------------------
  lunr.tokenizer.separator = SEPARATOR;
  // Index each word and its stem, so prefixes match the words as written and plain words match by stem.
  function bothForms(token) {
    var stem = lunr.stemmer(token.clone());
    return stem.toString() === token.toString() ? token : [token, stem];
  }
  lunr.Pipeline.registerFunction(bothForms, "evlmBothForms");
  var parents = {};
  data.sections.forEach(function (s) { parents[s.id] = s.parent; });
  function stems(text) {
    return " " + words(text).map(function (w) { return lunr.stemmer(new lunr.Token(w)).toString(); }).join(" ") + " ";
  }
  var stemmed = null;  // each field's words as stems, for phrases; made at the first phrase
  function stemmedRows() {
    if (stemmed === null) {
      stemmed = docs.map(function (d) {
        var row = {};
        COLUMNS.forEach(function (c) { row[c] = stems(d[c]); });
        return row;
      });
    }
    return stemmed;
  }
  var index = lunr(function () {
    var builder = this;
    builder.pipeline.reset();  // no stop words, no trimmer (it would drop non-ASCII letters): as `evlm search`
    builder.searchPipeline.reset();
    builder.pipeline.add(bothForms);
    builder.searchPipeline.add(lunr.stemmer);
    builder.metadataWhitelist = [];
    builder.ref("i");
    COLUMNS.forEach(function (c) { builder.field(c); });
    docs.forEach(function (d, i) {
      var doc = { i: String(i) };
      COLUMNS.forEach(function (c) { doc[c] = fold(d[c] == null ? "" : d[c]); });
      builder.add(doc);
    });
  });

  // -- matching --------------------------------------------------------------------------------------------
  function refs(build) {
    var found = new Set();
    index.query(build).forEach(function (r) { found.add(Number(r.ref)); });
    return found;
  }
  function options(fields, extra) {
    var o = extra || {};
    if (fields) { o.fields = fields; }
    return o;
  }
  function single(word, fields, prefixOnly) {
    var found = refs(function (q) {
      if (!prefixOnly) { q.term(word, options(fields)); }
      if (prefixOnly || word.length >= MIN_PREFIX) {
        q.term(word, options(fields, { usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING }));
      }
    });
    if (found.size === 0 && !prefixOnly && word.length >= 5) {  // typo tolerance, as evlm's
      found = refs(function (q) {
        q.term(word, options(fields, { usePipeline: false, editDistance: word.length >= 8 ? 2 : 1 }));
      });
    }
    return found;
  }
  function intersect(sets) {
    return sets.reduce(function (a, b) {
      return new Set(Array.from(a).filter(function (x) { return b.has(x); }));
    });
  }
  function union(a, b) {
    var out = new Set(a);
    b.forEach(function (x) { out.add(x); });
    return out;
  }
  function wordMatches(raw, fields) {
    var prefix = /\*$/.test(raw);
    var parts = words(raw.replace(/\*+$/, ""));
    if (parts.length === 0) { return null; }
    if (parts.length === 1) { return single(parts[0], fields, prefix); }
    // vision-language: the words as a phrase (`vision language`, `vision-language`) or joined (`visionlanguage`)
    return union(phraseMatches(parts.join(" "), fields) || new Set(), single(parts.join(""), fields, prefix));
  }
  function phraseMatches(text, fields) {  // the words together and in order, compared by stem as FTS5 does
    var wanted = stems(text);
    var found = new Set();
    if (wanted === "  ") { return null; }
    stemmedRows().forEach(function (row, i) {
      if ((fields || COLUMNS).some(function (c) { return row[c].indexOf(wanted) >= 0; })) { found.add(i); }
    });
    return found;
  }
  function parseYears(text) {
    var m = /^(\d{4})?(?:(\.\.|-)(\d{4})?)?$/.exec(text.trim());
    if (!m || (!m[1] && !m[3])) { return null; }
    if (!m[2]) { return { from: Number(m[1]), to: Number(m[1]) }; }
    return { from: m[1] ? Number(m[1]) : null, to: m[3] ? Number(m[3]) : null };
  }
  function inSection(doc, sectionId) {
    return [doc.section_id].concat(doc.also_in).some(function (id) {
      for (var s = id; s; s = parents[s]) { if (s === sectionId) { return true; } }
      return false;
    });
  }
  var TOKEN = /(?:([A-Za-z]+):)?(?:"([^"]*)"?|([^\s"]+))/g;

  /* The indexes of the papers a query and the facets select, in the survey's order. */
  function select(query, facets) {
    var sets = [];
    var years = { from: facets.from, to: facets.to };
    var section = facets.section;
    var m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(query)) !== null) {
      var field = m[1] ? m[1].toLowerCase() : null;
      var text = m[2] !== undefined ? m[2] : m[3];
      if (field === "year") {
        var range = parseYears(text);
        if (range) { years = { from: range.from, to: range.to }; continue; }
      }
      if (field === "section") { section = text; continue; }
      var columns = field && FIELDS[field] ? [FIELDS[field]] : null;
      if (field && !FIELDS[field]) { text = m[0]; }  // `foo:bar` that names no field: plain words
      var found = m[2] !== undefined ? phraseMatches(text, columns) : wordMatches(text, columns);
      if (found) { sets.push(found); }
    }
    var chosen = sets.length ? intersect(sets) : null;
    var venue = facets.venue ? fold(facets.venue) : "";
    var out = [];
    docs.forEach(function (d, i) {
      if (chosen && !chosen.has(i)) { return; }
      if (years.from && !(d.year >= years.from)) { return; }
      if (years.to && !(d.year && d.year <= years.to)) { return; }
      if (venue && fold(d.venue) !== venue) { return; }
      if (section && !inSection(d, section)) { return; }
      out.push(i);
    });
    return out;
  }

  // -- the page --------------------------------------------------------------------------------------------
  var form = document.getElementById("search");
  var input = document.getElementById("q");
  var fSection = document.getElementById("f-section");
  var fFrom = document.getElementById("f-from");
  var fTo = document.getElementById("f-to");
  var fVenue = document.getElementById("f-venue");
  var status = document.getElementById("status");
  var nothing = document.getElementById("nothing");
  var items = Array.prototype.slice.call(document.querySelectorAll("li.paper"));
  var itemKeys = items.map(function (li) { return li.getAttribute("data-key"); });  // read once, not per keystroke
  var itemSections = items.map(function (li) { return li.closest("section").getAttribute("data-section"); });
  var sectionNodes = Array.prototype.slice.call(document.querySelectorAll("section.section"));

  function facets() {
    return {
      section: fSection.value, venue: fVenue.value,
      from: fFrom.value ? Number(fFrom.value) : null, to: fTo.value ? Number(fTo.value) : null
    };
  }
  function update() {
    var f = facets();
    var query = input.value;
    var filtering = query.trim() !== "" || f.section || f.venue || f.from || f.to;
    var shown = new Set(select(query, f).map(function (i) { return docs[i].key; }));
    var live = {};
    items.forEach(function (li, n) {  // only the items that change are touched: 10,000 writes cost a re-layout
      var visible = !filtering || shown.has(itemKeys[n]);
      if (li.hidden === visible) { li.hidden = !visible; }
      if (visible && !live[itemSections[n]]) {
        for (var s = itemSections[n]; s && !live[s]; s = parents[s]) { live[s] = true; }
      }
    });
    sectionNodes.forEach(function (node) {
      var hide = filtering && !live[node.getAttribute("data-section")];
      if (node.hidden !== hide) { node.hidden = hide; }
    });
    nothing.hidden = !filtering || shown.size > 0;
    status.textContent = filtering ? shown.size + " of " + docs.length + " papers match" : docs.length + " papers";
    saveState(query, f);
  }
  function saveState(query, f) {
    var params = new URLSearchParams();
    if (query.trim()) { params.set("q", query.trim()); }
    if (f.section) { params.set("section", f.section); }
    if (f.from || f.to) { params.set("year", f.from === f.to ? String(f.from) : (f.from || "") + ".." + (f.to || "")); }
    if (f.venue) { params.set("venue", f.venue); }
    var search = params.toString();
    try {
      history.replaceState(null, "", (search ? "?" + search : location.pathname) + location.hash);
    } catch (e) { /* some browsers refuse this for file:// pages: the page still works, the URL stays */ }
  }
  function loadState() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    fSection.value = params.get("section") || "";
    fVenue.value = params.get("venue") || "";
    var years = parseYears(params.get("year") || "");
    fFrom.value = years && years.from ? String(years.from) : "";
    fTo.value = years && years.to ? String(years.to) : "";
  }

  input.addEventListener("input", update);
  [fSection, fFrom, fTo, fVenue].forEach(function (el) { el.addEventListener("change", update); });
  document.getElementById("f-clear").addEventListener("click", function () {
    form.reset();
    update();
    input.focus();
  });
  document.addEventListener("keydown", function (e) {  // `/` focuses the search box, as on GitHub
    if (e.key === "/" && document.activeElement !== input && !/^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) {
      e.preventDefault();
      input.focus();
    }
  });

  // -- Copy BibTeX -----------------------------------------------------------------------------------------
  function copyFallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest("button.copy");
    if (!button) { return; }
    var text = document.getElementById(button.getAttribute("data-copy")).textContent;
    var note = button.parentNode.querySelector(".copied");
    function done(ok) { note.textContent = ok ? "Copied." : "Select the text above and copy it."; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(copyFallback(text)); });
    } else {
      done(copyFallback(text));
    }
  });

  loadState();
  update();
  window.evlmSearch = { select: select, ready: true };  // for tests and the benchmark
  document.documentElement.setAttribute("data-search", "ready");
})();
