// molt console: live progress on Status, live tail on Logs. Plain browser JS, no dependencies, no CDN.
(function () {
  'use strict';
  var page = document.body.getAttribute('data-page');
  var $ = function (id) { return document.getElementById(id); };
  var esc = function (s) { return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); };
  var short = function (s) { return s ? String(s).slice(0, 7) : '—'; };
  function fmtMs(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
  }

  function refreshStatus() {
    return fetch('/api/status', { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) {
      if (!s) return;
      var sha = $('current-sha');
      if (sha) { sha.textContent = short(s.currentSha); sha.setAttribute('data-current-sha', s.currentSha || ''); }
      if ($('current-subject')) $('current-subject').textContent = s.currentSubject || '';
      if ($('current-author')) $('current-author').textContent = s.currentAuthor || '—';
      if ($('app-state')) { $('app-state').textContent = s.app.up ? 'up' : s.state; $('app-state').className = 'badge ' + (s.app.up ? 'ok' : 'warn'); }
      if ($('app-pid')) $('app-pid').textContent = s.app.pid == null ? '—' : s.app.pid;
      if ($('app-restarts')) $('app-restarts').textContent = s.app.restarts;
      if ($('app-since')) $('app-since').setAttribute('data-since', s.app.since || '');
    });
  }

  var subjects = {};
  function setCurrent(sha, subject) {
    var el = $('current-sha');
    if (!el || !sha) return;
    el.textContent = short(sha); el.setAttribute('data-current-sha', sha);
    if (subject != null && $('current-subject')) $('current-subject').textContent = subject;
  }

  function tickUptime() {
    var el = $('app-since'), out = $('app-uptime');
    if (el && out) { var since = el.getAttribute('data-since'); out.textContent = since ? fmtMs(Date.now() - Date.parse(since)) : '—'; }
    var rows = document.querySelectorAll('#op-steps tr[data-started]');
    for (var i = 0; i < rows.length; i++) {
      var cell = rows[i].querySelector('.elapsed');
      if (cell) cell.textContent = fmtMs(Date.now() - Number(rows[i].getAttribute('data-started')));
    }
  }

  function stepRow(step) {
    var body = $('op-steps');
    var row = body.querySelector('tr[data-step="' + CSS.escape(step) + '"]');
    if (!row) {
      row = document.createElement('tr');
      row.setAttribute('data-step', step);
      row.innerHTML = '<td>' + esc(step) + '</td><td><span class="badge run">started</span></td><td class="elapsed">…</td>';
      body.appendChild(row);
    }
    return row;
  }

  function statusPage() {
    var box = $('operation');
    var current = box.getAttribute('data-running') || box.getAttribute('data-op') || null;
    var es = new EventSource('/api/events');
    es.addEventListener('update_started', function (m) {
      var e = JSON.parse(m.data);
      current = String(e.id);
      box.hidden = false;
      box.setAttribute('data-running', current);
      $('op-title').textContent = (e.kind === 'rollback' ? 'Rollback' : 'Update') + ' #' + e.id;
      $('op-outcome').textContent = 'running'; $('op-outcome').className = 'badge run';
      $('op-target').textContent = short(e.fromSha) + ' → ' + short(e.toSha) + (e.toSubject ? ' ' + e.toSubject : '') + ' · by ' + e.actor;
      subjects[e.id] = e.toSubject;
      $('op-steps').innerHTML = ''; $('op-error').hidden = true;
    });
    es.addEventListener('update_step', function (m) {
      var e = JSON.parse(m.data);
      if (current && String(e.id) !== current) return;
      box.hidden = false;
      var row = stepRow(e.step);
      if (e.status === 'started') { row.setAttribute('data-started', String(Date.now())); return; }
      row.removeAttribute('data-started');
      var cls = e.status === 'done' ? 'ok' : e.status === 'failed' ? 'bad' : '';
      row.children[1].innerHTML = '<span class="badge ' + cls + '">' + esc(e.status) + '</span>';
      row.children[2].textContent = e.durationMs != null ? fmtMs(e.durationMs) : '—';
    });
    function finish(outcome, cls, err) {
      return function (m) {
        var e = JSON.parse(m.data);
        if (current && String(e.id) !== current) return;
        var rows = document.querySelectorAll('#op-steps tr[data-started]');
        for (var i = 0; i < rows.length; i++) rows[i].removeAttribute('data-started');
        box.removeAttribute('data-running');
        $('op-outcome').textContent = outcome; $('op-outcome').className = 'badge ' + cls;
        box.setAttribute('data-outcome', outcome);
        if (err && e.error) { $('op-error').hidden = false; $('op-error').textContent = e.error.code + ': ' + e.error.message; }
        if (outcome === 'succeeded') setCurrent(e.toSha, subjects[e.id]);
        // The engine records the new release right after this event; read the settled status a moment later.
        setTimeout(function () { refreshStatus().then(loadRow); }, 1500);
      };
    }
    // The operation may have progressed or ended before this stream connected: catch up from status + history.
    // Authoritative view of an operation from history (events may have been missed before the stream connected).
    function loadRow() {
      if (!current) return Promise.resolve();
      return fetch('/api/history?limit=50', { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : []; }).then(function (rows) {
        var row = rows.filter(function (x) { return String(x.id) === current; })[0];
        if (!row) return;
        box.hidden = false;
        $('op-title').textContent = (row.kind === 'rollback' ? 'Rollback' : 'Update') + ' #' + row.id;
        $('op-target').textContent = short(row.fromSha) + ' → ' + short(row.toSha) + (row.toSubject ? ' ' + row.toSubject : '') + ' · by ' + row.actor;
        row.steps.forEach(function (st) {
          var tr = stepRow(st.step);
          tr.removeAttribute('data-started');
          tr.children[1].innerHTML = '<span class="badge ' + (st.status === 'done' ? 'ok' : st.status === 'failed' ? 'bad' : '') + '">' + esc(st.status) + '</span>';
          tr.children[2].textContent = fmtMs(st.durationMs);
        });
        if (row.outcome === 'running') return;
        box.removeAttribute('data-running');
        box.setAttribute('data-outcome', row.outcome);
        $('op-outcome').textContent = row.outcome;
        $('op-outcome').className = 'badge ' + (row.outcome === 'succeeded' ? 'ok' : row.outcome === 'rolled_back' ? 'warn' : 'bad');
        if (row.error) { $('op-error').hidden = false; $('op-error').textContent = row.error.code + ': ' + row.error.message; }
        if (row.outcome === 'succeeded') setCurrent(row.toSha, row.toSubject);
      });
    }
    es.addEventListener('hello', function () { refreshStatus().then(loadRow); });
    es.addEventListener('update_succeeded', finish('succeeded', 'ok', false));
    es.addEventListener('update_rolled_back', finish('rolled_back', 'warn', true));
    es.addEventListener('rollback_failed', finish('rollback failed', 'bad', true));
    ['app_started', 'app_exited', 'app_restart_scheduled'].forEach(function (t) { es.addEventListener(t, refreshStatus); });
    setInterval(tickUptime, 500); tickUptime();
  }

  function logsPage() {
    var view = $('log-view'), follow = $('follow'), source = $('log-source');
    var es = new EventSource('/api/events?logs=1');
    view.scrollTop = view.scrollHeight;
    es.addEventListener('log_line', function (m) {
      var l = JSON.parse(m.data);
      if (source.value && l.source !== source.value) return;
      var div = document.createElement('div');
      div.className = 'log ' + l.source + ' ' + l.stream;
      div.innerHTML = '<span class="t">' + new Date(l.time).toISOString().slice(11, 23) + '</span> <span class="src">' + esc(l.source) + '</span> ' + esc(l.line);
      view.appendChild(div);
      while (view.childNodes.length > 2000) view.removeChild(view.firstChild);
      if (follow.checked) view.scrollTop = view.scrollHeight;
    });
    source.addEventListener('change', function () {
      var q = source.value ? '&source=' + source.value : '';
      fetch('/api/logs?limit=300' + q, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (lines) {
        view.innerHTML = lines.map(function (l) {
          return '<div class="log ' + l.source + ' ' + l.stream + '"><span class="t">' + new Date(l.time).toISOString().slice(11, 23) + '</span> <span class="src">' + esc(l.source) + '</span> ' + esc(l.line) + '</div>';
        }).join('');
        view.scrollTop = view.scrollHeight;
      });
    });
  }

  if (page === '/') statusPage();
  if (page === '/logs') logsPage();
})();
