// SPDX-License-Identifier: MIT
// The protocol session with the hub (SPEC §3–§4): which topics are
// subscribed on this connection, which the user stopped, where each one
// resumes from after a reconnect (same epoch) or a stop, pause and resume,
// and how a history answer is merged into the store. No DOM: the app shows
// what happened.

const CHUNK = 200;          // topics per subscribe command
const BURST_MS = 20;        // new topics announced within this are subscribed together
const RESUME_REPORT_MS = 1500;

export class Session {
  /**
   * @param {{send: (cmd: object) => boolean, isOpen: () => boolean, healthy: () => void}} conn
   * @param {import('./store.js').Store} store
   */
  constructor(conn, store) {
    this.conn = conn;
    this.store = store;
    this.subscribed = new Set();     // topics subscribed on this connection
    this.resuming = new Set();       // topics subscribed with since, history not yet in
    this.stopped = new Set();        // topics the user stopped
    this.epoch = null;
    this.connectedOnce = false;
    this.paused = false;
    this.resumeFill = null;          // {points, topics} while a resume's histories arrive
    this.subQueue = new Set();
    this.subTimer = 0;
  }

  /**
   * A welcome opened the session. Returns {restarted, reconnect, since}:
   * since (topic -> [ts, seq]) is where each topic stopped, taken before the
   * welcome's last values are shown; empty when the hub restarted (new
   * epoch: everything is loaded again).
   */
  welcome(m) {
    const restarted = this.epoch != null && m.epoch !== this.epoch;
    const reconnect = this.connectedOnce;
    this.epoch = m.epoch ?? null;
    this.connectedOnce = true;
    this.conn.healthy();
    this.subscribed.clear();
    this.resuming.clear();
    const since = new Map();
    if (!restarted) for (const [t, sr] of this.store.series) if (sr.pos) since.set(t, sr.pos);
    return { restarted, reconnect, since };
  }

  /** After the welcome's topics are in the store: subscribe to all not stopped, pause again if paused. */
  subscribeAll(since) {
    this.subscribe(this.store.topics().filter((t) => !this.stopped.has(t)), since);
    if (this.paused) this.conn.send({ type: 'pause' });
  }

  /** The connection is gone: nothing is subscribed any more. */
  closed() { this.subscribed.clear(); }

  /**
   * Subscribe to exact topics with history. since: Map topic -> [ts, seq] to
   * resume from; by default each topic resumes after the newest point held.
   * (Exact topics, not '*': so one widget can be stopped with unsubscribe.)
   */
  subscribe(topics, since) {
    if (!this.conn.isOpen()) return;
    const list = topics.filter((t) => !this.subscribed.has(t));
    for (let i = 0; i < list.length; i += CHUNK) {
      const chunk = list.slice(i, i + CHUNK);
      const cmd = { type: 'subscribe', topics: chunk, history: true };
      const s = {};
      let any = false;
      for (const t of chunk) {
        const pos = since ? since.get(t) : this.store.get(t)?.pos;
        if (pos) { s[t] = [pos[0], pos[1]]; any = true; this.resuming.add(t); }
      }
      if (any) cmd.since = s;
      if (this.conn.send(cmd)) for (const t of chunk) this.subscribed.add(t);
    }
  }

  /**
   * A topic announced live: subscribe to it unless it is already or the user
   * stopped it. New topics announced in a burst go in one command.
   * Returns true if it is new to this session.
   */
  announce(topic) {
    if (this.subscribed.has(topic) || this.stopped.has(topic)) return false;
    this.subQueue.add(topic);
    if (!this.subTimer) {
      this.subTimer = setTimeout(() => {
        this.subTimer = 0;
        const list = [...this.subQueue].filter((t) => !this.stopped.has(t));
        this.subQueue.clear();
        this.subscribe(list);
      }, BURST_MS);
    }
    return true;
  }

  isStopped(topic) { return this.stopped.has(topic); }

  /** Stop a topic (unsubscribe) or start it again (subscribe from where it stopped). Returns stopped. */
  toggle(topic) {
    if (this.stopped.has(topic)) {
      this.stopped.delete(topic);
      this.subscribe([topic]);
      return false;
    }
    this.stopped.add(topic);
    if (this.subscribed.delete(topic)) this.conn.send({ type: 'unsubscribe', topics: [topic] });
    return true;
  }

  /**
   * Pause or resume all streams. On resume the hub sends what was missed as
   * histories; done({points, topics}) reports how much, once they are in.
   */
  setPaused(p, done) {
    this.paused = p;
    if (p) {
      this.conn.send({ type: 'pause' });
      return;
    }
    this.resumeFill = { points: 0, topics: 0 };
    this.conn.send({ type: 'resume' });
    setTimeout(() => {
      const f = this.resumeFill;
      this.resumeFill = null;
      if (f && done) done(f);
    }, RESUME_REPORT_MS);
  }

  /**
   * Merge a history answer into the store. Returns {series, added,
   * kindChanged}, or null when it is not for us (malformed, or the topic is
   * stopped). An incomplete answer to a resume counts as a gap: points were
   * lost for good.
   */
  history(m) {
    if (typeof m.topic !== 'string' || !Array.isArray(m.points)) return null;
    if (this.stopped.has(m.topic)) return null;
    const sr = this.store.ensure(m.topic);
    const hadPos = !!sr.pos;
    const wasKind = sr.kind;
    let added = 0;
    for (const p of m.points) {
      try { if (p && typeof p === 'object' && sr.add(p)) added++; } catch (err) { console.error('rtdash: bad history point', err); }
    }
    const resumed = this.resuming.delete(m.topic) || this.resumeFill != null;
    if (m.complete === false && resumed && hadPos) sr.gaps++;
    if (this.resumeFill) { this.resumeFill.points += added; this.resumeFill.topics++; }
    return { series: sr, added, kindChanged: sr.kind !== wasKind };
  }
}
