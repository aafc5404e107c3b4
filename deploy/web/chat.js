// The customer's side of a chat with the contact centre (index.html): JsSIP on Kamailio's
// WebSocket (RFC 7118), as a guest that does not register; the form's name and reason go
// with every message as X- headers (case data on the agent's desk); is-composing (RFC
// 3994) both ways; closing the page tells the agent (X-Earshot-Chat-Event: left). What the
// agent writes is shown as text, never as markup. Each step is also logged to the console
// as `earshot-chat {json}` (what the tests read).
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var ws = params.get('ws') || 'wss://' + location.hostname + ':8443';
  var domain = params.get('domain') || location.hostname;
  var queue = 'sip:' + (params.get('queue') || 'support') + '@' + domain;
  var IDLE_AFTER_MS = 15000;
  var REFRESH_S = 60;
  var ua = null;
  var name = '';
  var reason = '';
  var activeSentAt = 0;
  var idleTimer = null;
  var peerTypingTimer = null;
  // Typing is told once a chat exists (the first message reached an agent).
  var chatting = false;
  var $ = function (id) { return document.getElementById(id); };

  function report(what) { console.log('earshot-chat ' + JSON.stringify(what)); }

  // A header value: one line, no control characters, bounded.
  function headerValue(text) {
    return String(text).replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, 200);
  }

  function caseHeaders() {
    var h = ['X-Customer-Name: ' + headerValue(name)];
    if (reason) { h.push('X-Reason: ' + headerValue(reason)); }
    return h;
  }

  function addLine(who, text, mine) {
    var li = document.createElement('li');
    if (mine) { li.className = 'mine'; }
    var w = document.createElement('span');
    w.className = 'who';
    w.textContent = who;
    var t = document.createElement('span');
    t.textContent = text;
    li.appendChild(w);
    li.appendChild(t);
    $('transcript').appendChild(li);
    li.scrollIntoView({ block: 'end' });
    return li;
  }

  function status(text) { $('status').textContent = text; }

  function send(body, contentType, extra, onDone) {
    ua.sendMessage(queue, body, {
      contentType: contentType,
      extraHeaders: caseHeaders().concat(extra || []),
      eventHandlers: {
        succeeded: function () { if (onDone) { onDone(null); } },
        failed: function (e) { if (onDone) { onDone(e.cause || 'failed'); } }
      }
    });
  }

  function composing(state) {
    var xml = '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">' +
      '<state>' + state + '</state><contenttype>text/plain</contenttype>' +
      (state === 'active' ? '<refresh>' + REFRESH_S + '</refresh>' : '') + '</isComposing>';
    send(xml, 'application/im-iscomposing+xml');
  }

  function typed() {
    var now = Date.now();
    if (now - activeSentAt > (REFRESH_S - 5) * 1000) {
      activeSentAt = now;
      composing('active');
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { activeSentAt = 0; composing('idle'); }, IDLE_AFTER_MS);
  }

  function sendText() {
    var text = $('text').value.replace(/[\r\n]+$/, '');
    if (!text.trim()) { return; }
    $('text').value = '';
    clearTimeout(idleTimer);
    activeSentAt = 0;
    var line = addLine('You', text, true);
    line.setAttribute('aria-busy', 'true');
    send(text, 'text/plain;charset=UTF-8', [], function (failed) {
      line.removeAttribute('aria-busy');
      if (failed) {
        line.appendChild(document.createTextNode(' (not sent: ' + failed + ')'));
        status(failed === 'Unavailable' || failed === 'Busy'
          ? 'Nobody is free to answer just now: please try again in a moment.'
          : 'Your message could not be sent (' + failed + ').');
      } else {
        status('');
        chatting = true;
      }
      report({ event: 'sent', text: text, failed: failed });
    });
  }

  function received(e) {
    if (e.originator !== 'remote') { return; }
    var request = e.request;
    var type = (request.getHeader('Content-Type') || '').toLowerCase();
    var body = request.body || '';
    // Which agent (or supervisor) wrote it: the site's agents sign what they write.
    var from = request.getHeader('X-Earshot-Sender') || request.from.display_name || 'Agent';
    if (type.indexOf('application/im-iscomposing+xml') === 0) {
      var state = /<state>\s*(active|idle)\s*<\/state>/.exec(body);
      var refresh = /<refresh>\s*(\d+)\s*<\/refresh>/.exec(body);
      var active = !!state && state[1] === 'active';
      $('typing').hidden = !active;
      $('typing').textContent = active ? 'The agent is typing…' : '';
      clearTimeout(peerTypingTimer);
      if (active) {
        var lasts = (refresh ? Number(refresh[1]) : 120) * 1000;
        peerTypingTimer = setTimeout(function () { $('typing').hidden = true; }, lasts);
      }
      report({ event: 'typing', active: active });
      return;
    }
    if (type && type.indexOf('text/plain') !== 0) { return; }
    $('typing').hidden = true;
    addLine(from, body, false);
    report({ event: 'received', from: request.from.uri.toString(), sender: from, text: body });
  }

  $('start').addEventListener('submit', function (ev) {
    ev.preventDefault();
    name = $('name').value.trim();
    reason = $('reason').value.trim();
    if (!name) { return; }
    var guest = 'guest-' + Math.random().toString(36).slice(2, 10);
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(ws)],
      uri: 'sip:' + guest + '@guest.invalid',
      display_name: headerValue(name).replace(/"/g, "'"),
      register: false
    });
    ua.on('newMessage', received);
    ua.on('connected', function () { status(''); report({ event: 'connected', guest: guest }); });
    ua.on('disconnected', function () { status('Connection lost: trying again…'); });
    ua.start();
    $('start').hidden = true;
    $('chat').hidden = false;
    $('text').focus();
  });

  $('compose').addEventListener('submit', function (ev) { ev.preventDefault(); sendText(); });
  $('text').addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); sendText(); }
  });
  $('text').addEventListener('input', function () {
    if (ua && chatting && $('text').value.trim()) { typed(); }
  });

  // The agent is told the customer left (the chat goes to wrap-up on the desk).
  window.addEventListener('pagehide', function () {
    if (ua && ua.isConnected()) {
      send('(the customer closed the chat)', 'text/plain;charset=UTF-8',
        ['X-Earshot-Chat-Event: left']);
    }
  });
}());
