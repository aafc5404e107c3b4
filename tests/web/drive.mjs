// Drives the customer's chat page (deploy/web/) in headless Chromium for Earshot's tests:
// one JSON command per line on stdin, one JSON object per line on stdout — what the page
// logged (`{"page": …}`), what was read off it, and `{"done": "<command>"}` after each.
//   {"open": URL} {"fill": {"name": …, "reason": …}} {"type": TEXT} {"press": KEY}
//   {"read": true} {"close": true} {"quit": true}
//   {"pingpong": N}: sends "ping I" N times through the compose box, each after the page
//   shows "pong I-1" (the agent's answer); gives the send times (Unix ms) and each round
//   trip (ms, from the send to the answer shown).
import { createInterface } from 'node:readline';
import puppeteer from 'puppeteer-core';

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
let browser = null;
let page = null;

async function run(c) {
  if (c.open) {
    browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--allow-file-access-from-files'],
    });
    page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('earshot-chat ')) {
        try { out({ page: JSON.parse(text.slice('earshot-chat '.length)) }); } catch { /* not ours */ }
      }
    });
    page.on('pageerror', (e) => out({ error: String(e) }));
    await page.goto(c.open, { waitUntil: 'load' });
    return 'open';
  }
  if (c.fill) {
    await page.type('#name', c.fill.name || '');
    await page.type('#reason', c.fill.reason || '');
    await page.click('#begin');
    return 'fill';
  }
  if (c.type !== undefined) {
    await page.focus('#text');
    await page.keyboard.sendCharacter(c.type);
    // An input event, as a person's keys give (sendCharacter types the whole text at once).
    await page.$eval('#text', (t) => t.dispatchEvent(new Event('input', { bubbles: true })));
    return 'type';
  }
  if (c.press) {
    await page.focus('#text');
    await page.keyboard.press(c.press);
    return 'press';
  }
  if (c.read) {
    const seen = await page.evaluate(() => ({
      transcript: [...document.querySelectorAll('#transcript li')].map((li) => ({
        who: li.querySelector('.who').textContent,
        text: li.querySelector('.who').nextSibling.textContent,
        html: li.innerHTML,
      })),
      typing: !document.getElementById('typing').hidden,
      status: document.getElementById('status').textContent,
    }));
    out({ read: seen });
    return 'read';
  }
  if (c.pingpong) {
    const result = await page.evaluate(async (n) => {
      const transcript = document.getElementById('transcript');
      const shown = (text) => new Promise((resolve) => {
        const seen = () => [...transcript.querySelectorAll('li')]
          .some((li) => li.lastChild && li.lastChild.textContent === text);
        if (seen()) { resolve(); return; }
        const watch = new MutationObserver(() => { if (seen()) { watch.disconnect(); resolve(); } });
        watch.observe(transcript, { childList: true, subtree: true });
      });
      const sentAt = [];
      const rounds = [];
      for (let i = 0; i < n; i++) {
        const answer = shown('pong ' + i);
        const t0 = performance.now();
        sentAt.push(Date.now());
        document.getElementById('text').value = 'ping ' + i;
        document.getElementById('compose').requestSubmit();
        await answer;
        rounds.push(performance.now() - t0);
      }
      return { sentAt, rounds };
    }, c.pingpong);
    out({ pingpong: result });
    return 'pingpong';
  }
  if (c.close) {
    await page.close({ runBeforeUnload: true });
    // The page's last MESSAGE is on its way over the WebSocket.
    await new Promise((r) => setTimeout(r, 300));
    return 'close';
  }
  if (c.quit) {
    if (browser) { await browser.close(); }
    out({ done: 'quit' });
    process.exit(0);
  }
  throw new Error('unknown command ' + JSON.stringify(c));
}

const lines = createInterface({ input: process.stdin });
let chain = Promise.resolve();
lines.on('line', (line) => {
  chain = chain.then(async () => {
    try {
      out({ done: await run(JSON.parse(line)) });
    } catch (e) {
      out({ error: String(e && e.stack || e) });
    }
  });
});
lines.on('close', () => { chain.then(async () => { if (browser) { await browser.close(); } process.exit(0); }); });
