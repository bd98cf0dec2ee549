/* evlm site: search as you type, facets, the query in the URL, and Copy BibTeX. No network: the papers and the
   search index (made by `evlm site`, evlm_cli/site/search_index.py) come from the page's own <script> elements.

   Matching follows `evlm search` as far as the browser allows: any case, accents folded, Porter stems (Lunr's
   stemmer, the algorithm SQLite's FTS5 uses), a word of 3+ letters also matches as a prefix, `word*` is a prefix,
   `"a phrase"`, `field:word` (title author venue tag note abstract key), `year:2022..2024`, `section:ID`,
   hyphenated words also as one word, every word must match; a word of 5+ letters found nowhere is matched within
   one or two edits. Results keep the survey's order.

   Lunr does what it does best here: the stemmer and the token set (prefix and edit-distance lookups over the
   words). Which papers hold a word comes from the prebuilt postings, not from Lunr's query, which scores every
   match (BM25) when the page only needs the set: at 10,000 papers that, and building Lunr's index in the page,
   missed the speed targets (benchmarks/README.md). */
(function () {
  "use strict";
  performance.mark("evlm:start");  // the benchmark's phases (benchmarks/site_speed.py)
  var data = JSON.parse(document.getElementById("evlm-data").textContent);
  var index = JSON.parse(document.getElementById("evlm-index").textContent);
  var docs = data.papers;
  var N = docs.length;
  var COLUMNS = index.fields;
  var FIELDS = {
    title: "title", author: "authors", authors: "authors", venue: "venue", tag: "tags", tags: "tags",
    note: "note", abstract: "abstract", key: "key"
  };
  var SEPARATOR = /[^\p{L}\p{N}]+/u;
  var MIN_PREFIX = 3;
  var MIN_SPLIT = 3;  // `visionlanguage` is also `vision language`: halves of 3+ letters, as evlm's
  var LONGEST_GUESS = 30;  // longer words get no typo tolerance and are not split: the work grows with the length
  var MOST_TERMS = 32;  // query terms read; a pasted paragraph is cut here rather than freezing the page
  var PAGE = 100;  // results drawn at a time; "Show more" draws the next ones

  function fold(text) {  // as search_index.fold
    return String(text == null ? "" : text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/ß/g, "ss").replace(/ς/g, "σ");  // as case folding does in `evlm search`: Straße is strasse
  }
  function words(text) {  // as search_index.words
    return fold(text).split(SEPARATOR).filter(Boolean);
  }
  var stemCache = new Map();
  function stem(word) {
    var found = stemCache.get(word);
    if (found === undefined) {
      found = lunr.stemmer(new lunr.Token(word)).toString();
      stemCache.set(word, found);
    }
    return found;
  }

  // -- the index: each word as written and its stem are terms; a term stands for the words it covers --------
  var termWords = new Map();  // term -> indexes into index.words
  function cover(term, number) {
    var list = termWords.get(term);
    if (list === undefined) { termWords.set(term, [number]); } else { list.push(number); }
  }
  index.words.forEach(function (word, number) {
    cover(word, number);
    var s = stem(word);
    if (s !== word) { cover(s, number); }
  });
  var vocabulary = lunr.TokenSet.fromArray(Array.from(termWords.keys()).sort());
  performance.mark("evlm:index");
  var decoded = new Map();  // word index -> [field, Int32Array of papers, ...], decoded when first needed
  function postings(number) {
    var found = decoded.get(number);
    if (found === undefined) {
      found = [];
      index.postings[number].split(";").forEach(function (group) {
        var colon = group.indexOf(":");
        var gaps = group.slice(colon + 1).split(",");
        var papers = new Int32Array(gaps.length);
        var total = 0;
        for (var g = 0; g < gaps.length; g++) { total += Number(gaps[g]); papers[g] = total; }
        found.push(Number(group.slice(0, colon)), papers);
      });
      decoded.set(number, found);
    }
    return found;
  }
  function fieldMask(fields) {
    var mask = new Uint8Array(COLUMNS.length);
    (fields || COLUMNS).forEach(function (c) { mask[COLUMNS.indexOf(c)] = 1; });
    return mask;
  }
  /* Mark in `marks` the papers holding `term` in one of the masked fields; returns how many it marked. */
  function markTerm(term, mask, marks) {
    var numbers = termWords.get(term);
    var count = 0;
    if (numbers === undefined) { return 0; }
    numbers.forEach(function (number) {
      var found = postings(number);
      for (var f = 0; f < found.length; f += 2) {
        if (!mask[found[f]]) { continue; }
        var papers = found[f + 1];
        for (var p = 0; p < papers.length; p++) {
          if (!marks[papers[p]]) { marks[papers[p]] = 1; count++; }
        }
      }
    });
    return count;
  }
  function expand(tokenSet) {  // the terms a wildcard or fuzzy token set matches
    return vocabulary.intersect(tokenSet).toArray();
  }

  // -- matching: a set of papers is a Uint8Array over the paper list ---------------------------------------
  function single(word, fields, prefixOnly) {
    var mask = fieldMask(fields);
    var marks = new Uint8Array(N);
    var count = 0;
    if (!prefixOnly) { count += markTerm(stem(word), mask, marks); }
    if (prefixOnly || word.length >= MIN_PREFIX) {
      expand(lunr.TokenSet.fromString(word + "*")).forEach(function (t) { count += markTerm(t, mask, marks); });
    }
    if (!prefixOnly && word.length >= 2 * MIN_SPLIT && word.length <= LONGEST_GUESS) {
      for (var cut = MIN_SPLIT; cut <= word.length - MIN_SPLIT; cut++) {  // a joined word, cut where both halves
        var head = word.slice(0, cut);                                    // are words of the survey
        var tail = word.slice(cut);
        if (known(head) && known(tail)) {
          var joined = phraseMatches(head + " " + tail, fields);
          for (var i = 0; i < N; i++) { if (joined[i] && !marks[i]) { marks[i] = 1; count++; } }
        }
      }
    }
    if (count === 0 && !prefixOnly && word.length >= 5 && word.length <= LONGEST_GUESS) {  // typo tolerance
      expand(lunr.TokenSet.fromFuzzyString(word, word.length >= 8 ? 2 : 1)).forEach(function (t) {
        markTerm(t, mask, marks);
      });
    }
    return marks;
  }
  var wordSet = new Set(index.words);
  function known(word) {  // a word as written in some paper, not only a stem
    return wordSet.has(word);
  }
  function intersect(sets) {
    return sets.reduce(function (a, b) {
      for (var i = 0; i < N; i++) { a[i] &= b[i]; }
      return a;
    });
  }
  function union(a, b) {
    for (var i = 0; i < N; i++) { a[i] |= b[i]; }
    return a;
  }
  function wordMatches(raw, fields) {
    var prefix = /\*$/.test(raw);
    var parts = words(raw.replace(/\*+$/, ""));
    if (parts.length === 0) { return null; }
    if (parts.length === 1) { return single(parts[0], fields, prefix); }
    // vision-language: the words as a phrase (`vision language`, `vision-language`) or joined (`visionlanguage`)
    return union(phraseMatches(parts.join(" "), fields) || new Uint8Array(N), single(parts.join(""), fields, prefix));
  }
  var sectionPaths = {};
  data.sections.forEach(function (s) { sectionPaths[s.id] = s.path; });
  var abstracts = null;  // at the end of the page, read once it is parsed (they are 3/4 of the data)
  var checking = false;  // an answer was given before the abstracts were there: it is redone when they are
  function fieldText(i, c) {  // paper i's field as the index read it: a section as its path, a list joined with `; `
    if (c === "abstract") {
      if (abstracts === null) {
        var element = document.getElementById("evlm-abstracts");
        if (!element) { return null; }
        abstracts = JSON.parse(element.textContent);
      }
      return abstracts[i];
    }
    var value = c === "section" ? sectionPaths[docs[i].section_id] : docs[i][c];
    return Array.isArray(value) ? value.join("; ") : value;
  }
  function stems(text) {
    return " " + words(text).map(stem).join(" ") + " ";
  }
  var stemmedFields = new Map();  // "paper field" -> the field's words as stems, for phrases; made when asked
  function stemmedField(i, c) {
    var id = i + " " + c;
    var found = stemmedFields.get(id);
    if (found === undefined) {
      var text = fieldText(i, c);
      if (text === null) { return null; }
      found = stems(text);
      stemmedFields.set(id, found);
    }
    return found;
  }
  function phraseMatches(text, fields) {  // the words together and in order, compared by stem as FTS5 does
    var wanted = stems(text);
    if (wanted === "  ") { return null; }
    var mask = fieldMask(fields);
    // only papers holding every word (by stem) can hold the phrase: look at those alone
    var candidates = intersect(wanted.trim().split(" ").map(function (s) {
      var marks = new Uint8Array(N);
      markTerm(s, mask, marks);
      return marks;
    }));
    var columns = fields || COLUMNS;
    function holds(i, c) {
      var text = stemmedField(i, c);
      if (text === null) { checking = true; }  // not known yet: kept for now
      return text === null || text.indexOf(wanted) >= 0;
    }
    for (var i = 0; i < N; i++) {
      if (candidates[i] && !columns.some(function (c) { return holds(i, c); })) { candidates[i] = 0; }
    }
    return candidates;
  }
  function parseYears(text) {
    var m = /^(\d{4})?(?:(\.\.|-)(\d{4})?)?$/.exec(text.trim());
    if (!m || (!m[1] && !m[3])) { return null; }
    if (!m[2]) { return { from: Number(m[1]), to: Number(m[1]) }; }
    return { from: m[1] ? Number(m[1]) : null, to: m[3] ? Number(m[3]) : null };
  }
  var parents = {};
  data.sections.forEach(function (s) { parents[s.id] = s.parent; });
  function inSection(doc, sectionId) {
    return [doc.section_id].concat(doc.also_in).some(function (id) {
      for (var s = id; s; s = parents[s]) { if (s === sectionId) { return true; } }
      return false;
    });
  }
  var TOKEN = /(?:([A-Za-z]+):)?(?:"([^"]*)"?|([^\s"]+))/g;

  var venueCache = new Map();
  function venueStems(venue) {  // few venues, many papers: each venue's stems made once
    var found = venueCache.get(venue || "");
    if (found === undefined) {
      found = stems(venue || "");
      venueCache.set(venue || "", found);
    }
    return found;
  }
  var asked = 0;  // what the last query asked for: words, years or a section (0: nothing searchable)

  /* The indexes of the papers a query and the facets select, in the survey's order. A facet set in the form wins
     over the same filter in the query, as an option does over `year:` in `evlm search`. */
  function select(query, facets) {
    var sets = [];
    var years = { from: facets.from, to: facets.to };
    var section = facets.section;
    var m;
    var terms = 0;
    asked = 0;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(query)) !== null && terms++ < MOST_TERMS) {
      var field = m[1] ? m[1].toLowerCase() : null;
      var text = m[2] !== undefined ? m[2] : m[3];
      if (field === "year") {
        var range = parseYears(text);
        if (range) {
          asked++;
          if (!facets.from && !facets.to) { years = { from: range.from, to: range.to }; }
          continue;
        }
      }
      if (field === "section") {
        asked++;
        if (!facets.section) { section = text; }
        continue;
      }
      var columns = field && FIELDS[field] ? [FIELDS[field]] : null;
      if (field && !FIELDS[field]) { text = m[0]; }  // `foo:bar` that names no field: plain words
      var found = m[2] !== undefined ? phraseMatches(text, columns) : wordMatches(text, columns);
      if (found) { sets.push(found); asked++; }
    }
    var chosen = sets.length ? intersect(sets) : null;
    var venue = facets.venue ? stems(facets.venue) : "";  // its words in a row, as `evlm search --venue`
    var out = [];
    for (var i = 0; i < N; i++) {
      var d = docs[i];
      if (chosen && !chosen[i]) { continue; }
      if (years.from && !(d.year >= years.from)) { continue; }
      if (years.to && !(d.year && d.year <= years.to)) { continue; }
      if (venue && venueStems(d.venue).indexOf(venue) < 0) { continue; }
      if (section && !inSection(d, section)) { continue; }
      out.push(i);
    }
    return out;
  }

  // -- the page: the whole survey, or the matching papers drawn a page at a time ----------------------------
  // This script runs before the survey's list is parsed: the list (`#results`) is looked up when needed, and
  // hidden while searching by a class on <main>, so a part parsed later is hidden too.
  var main = document.getElementById("main");
  var form = document.getElementById("search");
  var input = document.getElementById("q");
  var fSection = document.getElementById("f-section");
  var fFrom = document.getElementById("f-from");
  var fTo = document.getElementById("f-to");
  var fVenue = document.getElementById("f-venue");
  var status = document.getElementById("status");
  var matches = document.getElementById("matches");
  var more = document.getElementById("more");
  var nothing = document.getElementById("nothing");
  var resultItem = document.getElementById("result").content.firstElementChild;
  var results = [];
  var drawn = 0;
  var filtering = false;
  var saving = 0;
  var URL_DELAY = 300;  // ms

  function facets() {
    return {
      section: fSection.value, venue: fVenue.value,
      from: fFrom.value ? Number(fFrom.value) : null, to: fTo.value ? Number(fTo.value) : null
    };
  }
  function update() {
    var f = facets();
    var query = input.value;
    var faceted = Boolean(f.section || f.venue || f.from || f.to);
    checking = false;
    results = query.trim() !== "" || faceted ? select(query, f) : [];
    if (query.trim() === "") { asked = 0; }
    var empty = query.trim() !== "" && asked === 0;  // `*`, `""`, `:`: nothing to search for, as evlm says
    filtering = faceted || (query.trim() !== "" && !empty);
    drawn = 0;
    matches.replaceChildren();
    if (filtering) { drawMore(); } else { more.hidden = true; }
    var list = document.getElementById("results");
    if (list) { list.classList.toggle("off", filtering); }
    main.classList.toggle("filtering", filtering && !list);
    matches.hidden = !filtering;
    nothing.hidden = !filtering || results.length > 0;
    status.textContent = filtering ? results.length + " of " + N + " papers match" : N + " papers";
    if (empty) { status.textContent += ": the query has no words to search for"; }
    if (checking) {  // a phrase, before the abstracts were parsed: papers holding its words, until they are
      status.textContent += " (checking the abstracts…)";
      document.addEventListener("DOMContentLoaded", update, { once: true });
    }
    clearTimeout(saving);  // the URL follows once typing pauses: replacing it costs ~10 ms, a fifth of a keystroke
    saving = setTimeout(saveState, URL_DELAY, query, f);
  }
  /* The next page of results, grouped under their sections in the survey's order. */
  function drawMore() {
    var fragment = document.createDocumentFragment();
    var list = drawn > 0 ? matches.lastElementChild : null;
    var lastSection = drawn > 0 ? docs[results[drawn - 1]].section_id : null;
    var end = Math.min(results.length, drawn + PAGE);
    for (; drawn < end; drawn++) {
      var d = docs[results[drawn]];
      if (d.section_id !== lastSection || list === null) {
        lastSection = d.section_id;
        var heading = document.createElement("h2");
        heading.className = "group";
        var link = document.createElement("a");
        link.href = "#sec-" + d.section_id;
        link.textContent = sectionPaths[d.section_id];
        heading.appendChild(link);
        list = document.createElement("ol");
        list.className = "papers";
        fragment.appendChild(heading);
        fragment.appendChild(list);
      }
      list.appendChild(result(d));
    }
    matches.appendChild(fragment);
    var left = results.length - drawn;
    more.hidden = left <= 0;
    if (left > 0) {
      more.firstElementChild.textContent = "Show " + Math.min(left, PAGE) + " more (" + left + " not shown)";
    }
  }
  /* A result: the paper's title, authors, venue, links and tags, and a Cite that is filled when opened. */
  function result(d) {
    var item = resultItem.cloneNode(true);
    item.setAttribute("data-key", d.key);
    item.querySelector(".title").textContent = d.title;
    var authors = item.querySelector(".authors");
    if (d.shown_authors) { authors.textContent = d.shown_authors; } else { authors.remove(); }
    var venue = item.querySelector(".venue");
    if (d.venue || d.year) {
      venue.textContent = (d.venue || "") + (d.venue && d.year ? ", " : "") + (d.year || "");
    } else {
      venue.remove();
    }
    var links = item.querySelector(".links");
    d.links.forEach(function (pair) {
      var a = document.createElement("a");
      a.href = pair[1];
      a.textContent = pair[0];
      links.append(a, " ");
    });
    d.tags.forEach(function (tag) {
      var span = document.createElement("span");
      span.className = "tag";
      span.textContent = tag;
      links.append(span, " ");
    });
    if (!links.firstChild) { links.remove(); }
    item.querySelector(".cite .visually-hidden").textContent = d.title;
    return item;
  }
  /* A result's citation, when first opened: a copy of the one in the survey's list (the BibTeX `evlm export`
     gives, the section, the provenance) without its ids; if the list is not parsed yet, once it is. */
  function fillCitation(details) {
    var item = details.closest("li.paper");
    var source = document.getElementById("p-" + item.getAttribute("data-key"));
    if (!source) {
      if (!details.querySelector(".waiting")) {
        var waiting = document.createElement("p");
        waiting.className = "waiting";
        waiting.textContent = "Loading…";
        details.appendChild(waiting);
        document.addEventListener("DOMContentLoaded", function () { fillCitation(details); });
      }
      return;
    }
    details.replaceChildren(details.querySelector("summary"));
    Array.prototype.forEach.call(source.querySelector("details.cite").children, function (child) {
      if (child.tagName === "SUMMARY") { return; }
      var copy = child.cloneNode(true);
      copy.removeAttribute("id");
      copy.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
      details.appendChild(copy);
    });
    details.setAttribute("data-filled", "");
  }
  document.addEventListener("toggle", function (e) {  // `toggle` does not bubble: caught on the way down
    var details = e.target;
    if (details.open && details.closest && details.closest("#matches") && !details.hasAttribute("data-filled")) {
      fillCitation(details);
    }
  }, true);
  function saveState(query, f) {
    saving = 0;
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
  /* The query and facets from the URL: on opening (text typed before the script ran is kept) and on Back and
     Forward. A value the page does not list (`year=2030`, `section=gone`) is added to its select, so a shared
     link shows what it asked for, even if that is nothing, rather than everything. */
  function loadState(opening) {
    var params = new URLSearchParams(location.search);
    if (params.has("q") || !opening) { input.value = params.get("q") || ""; }
    choose(fSection, params.get("section") || "");
    choose(fVenue, params.get("venue") || "");
    var years = parseYears(params.get("year") || "");
    choose(fFrom, years && years.from ? String(years.from) : "");
    choose(fTo, years && years.to ? String(years.to) : "");
  }
  function choose(select, value) {
    var options = Array.prototype.slice.call(select.options);
    var same = options.filter(function (o) { return o.value === value; })[0] ||
      options.filter(function (o) { return o.value && fold(o.value) === fold(value); })[0];
    if (!same) {
      same = new Option(value + " (not in the survey)", value);
      select.add(same);
    }
    select.value = same.value;
  }
  function clear() {
    form.reset();
    update();
  }

  input.addEventListener("input", update);
  function flushState() {  // a pending URL written now
    if (saving) {
      clearTimeout(saving);
      saveState(input.value, facets());
    }
  }
  window.addEventListener("pagehide", flushState);
  [fSection, fFrom, fTo, fVenue].forEach(function (el) { el.addEventListener("change", update); });
  document.getElementById("f-clear").addEventListener("click", function () {
    clear();
    input.focus();
  });
  more.firstElementChild.addEventListener("click", function () {
    var first = drawn;
    drawMore();
    var item = matches.querySelectorAll("li.paper")[first];  // the first paper drawn takes the focus, which
    if (item) {                                              // would otherwise be lost with a hidden button
      item.setAttribute("tabindex", "-1");
      item.focus();
    }
  });
  window.addEventListener("popstate", function () {  // Back and Forward give the search of that moment back
    loadState(false);
    update();
  });
  document.addEventListener("click", function (e) {
    // a link into the survey (a section, a paper) while results are shown: leave the search to show it
    var link = e.target.closest("a[href^='#']");
    if (!link) { return; }
    var id = decodeURIComponent(link.getAttribute("href").slice(1));
    var target = document.getElementById(id);
    flushState();  // this history entry keeps the search as it is shown, for Back
    if (target && filtering && target.closest("#results")) {
      e.preventDefault();  // a new entry without the search: Back gives the search again, Forward the section
      clear();
      clearTimeout(saving);
      saving = 0;
      try {
        history.pushState(null, "", location.pathname + "#" + encodeURIComponent(id));
      } catch (error) { /* a browser that refuses it for a page opened from disk: no new entry, the page works */ }
      target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
      reveal(target);
      return;
    }
    if (target) { requestAnimationFrame(function () { reveal(target); }); }
  });
  window.addEventListener("hashchange", function () {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) { reveal(target); }
  });
  document.addEventListener("DOMContentLoaded", function () {  // opened at an anchor: once the list is there
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && !filtering) { reveal(target); }
  });
  /* Scroll a target into view again over a few frames: the papers above it are laid out only when near the screen
     (`content-visibility: auto`), and as they take their real height the browser's first jump falls short. */
  function reveal(target) {
    var frames = 0;
    (function again() {
      var drifted = target.getBoundingClientRect().top;  // where the last frame's layout left it
      target.scrollIntoView({ block: "start" });
      var moved = Math.abs(target.getBoundingClientRect().top - drifted) > 1;
      if (++frames < 10 && (moved || frames < 3)) { requestAnimationFrame(again); }
    })();
  }
  // The sticky search form's height, for `scroll-padding-top` (site.css): a target lands below the form.
  function measureForm() {
    var sticky = getComputedStyle(form).position === "sticky";
    document.documentElement.style.setProperty("--search-height", sticky ? form.offsetHeight + "px" : "0px");
  }
  requestAnimationFrame(measureForm);  // after the first paint: measuring lays out the page
  if (window.ResizeObserver) { new ResizeObserver(measureForm).observe(form); }
  window.addEventListener("resize", measureForm);
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
    var text = button.closest("li.paper").querySelector("pre.bibtex").textContent;
    var note = button.parentNode.querySelector(".copied");
    function done(ok) { note.textContent = ok ? "Copied." : "Select the text above and copy it."; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(copyFallback(text)); });
    } else {
      done(copyFallback(text));
    }
  });

  loadState(true);
  update();
  performance.mark("evlm:ready");
  window.evlmSearch = {  // for tests and the benchmark
    select: select, words: words, docs: docs, ready: true,
    fieldWords: function (i, c) { return words(fieldText(i, c)); }
  };
  document.documentElement.setAttribute("data-search", "ready");
})();
