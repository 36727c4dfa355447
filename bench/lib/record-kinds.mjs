#!/usr/bin/env node
// bench/lib/record-kinds.mjs — which stored record is which, from three redis-sizes.mjs snapshots of an
// otherwise idle Redis: before a login, after it (new: the session record and the consumed-state marker,
// told apart by size: the session is the largest), and after one authenticated request a second later
// (new: the small "last seen" record of the idle timer). The sealed bytes are the same in every store,
// so these are the record sizes shmcb holds too (plus shmcb's own 32-byte id per entry).
//   node record-kinds.mjs BEFORE.json LOGIN.json TOUCH.json   → one JSON line
import fs from 'node:fs';

const [before, afterLogin, afterTouch] = process.argv.slice(2).map((f) => JSON.parse(fs.readFileSync(f, 'utf8').trim().split('\n').pop()));
const keysOf = (snap) => new Map(snap.keys.map((k) => [k.key, k]));
const k0 = keysOf(before);
const k1 = keysOf(afterLogin);
const k2 = keysOf(afterTouch);
const fresh = (a, b) => [...b.values()].filter((k) => !a.has(k.key));
const shape = (k) => (k ? { valueBytes: k.valueBytes, memoryUsage: k.memoryUsage, ttl: k.ttl } : null);
const login = fresh(k0, k1).sort((a, b) => b.valueBytes - a.valueBytes);
const touch = fresh(k1, k2);
const session = login[0];
const consumed = login.slice(1).find((k) => k.ttl > 0 && k.ttl <= 3600);
const other = login.slice(1).filter((k) => k !== consumed).concat(touch.slice(1)).map(shape);
process.stdout.write(`${JSON.stringify({
  session: shape(session),
  consumed_state_marker: shape(consumed),
  seen: shape(touch[0]),
  other,
})}\n`);
