// Rooms and broadcasts: join/leave, to/in several rooms, except, socket.to,
// socket.broadcast, volatile, broadcast acks and a 50-client fan-out.
import assert from "node:assert/strict";
import { WAIT, connectAll, eachMode, once, silence, uniq, useServer } from "./lib/harness.mjs";

const url = useServer();

// counter counts ev on each socket; counts[i] is socket i's count.
function counter(sockets, ev) {
  const counts = sockets.map(() => 0);
  const args = sockets.map(() => []);
  sockets.forEach((s, i) =>
    s.on(ev, (...a) => {
      counts[i]++;
      args[i].push(a);
    }),
  );
  return { counts, args };
}

// settle waits until the counts stop changing for a short while, up to ms.
async function settle(counts, want, ms = WAIT) {
  const deadline = Date.now() + ms;
  while (counts.reduce((a, b) => a + b, 0) < want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 200)); // room for duplicates to show up
}

async function join(s, ...rooms) {
  assert.equal(await s.timeout(WAIT).emitWithAck("join", rooms), true);
}

eachMode("to(room) reaches the members only", async (t, mode) => {
  const [a, b, c] = await connectAll(t, url(), mode, 3);
  const room = uniq("r");
  const ev = uniq("ev");
  await join(a, room);
  await join(b, room);
  const { counts, args } = counter([a, b, c], ev);
  await c.timeout(WAIT).emitWithAck("to", { rooms: [room], event: ev, args: ["hi", 1] });
  await settle(counts, 2);
  assert.deepEqual(counts, [1, 1, 0]);
  assert.deepEqual(args[0][0], ["hi", 1]);
});

eachMode("to several rooms: the union, each socket once", async (t, mode) => {
  const [a, b, c, d] = await connectAll(t, url(), mode, 4);
  const r1 = uniq("r1");
  const r2 = uniq("r2");
  const ev = uniq("ev");
  await join(a, r1);
  await join(b, r1, r2);
  await join(c, r2);
  const { counts } = counter([a, b, c, d], ev);
  await d.timeout(WAIT).emitWithAck("to", { rooms: [r1, r2], event: ev, args: [] });
  await settle(counts, 3);
  assert.deepEqual(counts, [1, 1, 1, 0]);
});

eachMode("except leaves out the members of a room", async (t, mode) => {
  const [a, b, c] = await connectAll(t, url(), mode, 3);
  const room = uniq("r");
  const skip = uniq("skip");
  const ev = uniq("ev");
  await join(a, room);
  await join(b, room, skip);
  await join(c, room);
  const { counts } = counter([a, b, c], ev);
  await a.timeout(WAIT).emitWithAck("to", { rooms: [room], except: [skip], event: ev, args: [1] });
  await settle(counts, 2);
  assert.deepEqual(counts, [1, 0, 1]);
});

eachMode("socket.to(room) excludes the sender", async (t, mode) => {
  const [a, b, c] = await connectAll(t, url(), mode, 3);
  const room = uniq("r");
  const ev = uniq("ev");
  await join(a, room);
  await join(b, room);
  const { counts } = counter([a, b, c], ev);
  await a.timeout(WAIT).emitWithAck("socket-to", { rooms: [room], event: ev, args: ["from a"] });
  await settle(counts, 1);
  assert.deepEqual(counts, [0, 1, 0]);
});

eachMode("socket broadcast reaches everyone but the sender", async (t, mode) => {
  const [a, b, c] = await connectAll(t, url(), mode, 3);
  const ev = uniq("ev");
  const { counts, args } = counter([a, b, c], ev);
  await a.timeout(WAIT).emitWithAck("broadcast", { event: ev, args: [{ k: "v" }] });
  await settle(counts, 2);
  assert.deepEqual(counts, [0, 1, 1]);
  assert.deepEqual(args[1][0], [{ k: "v" }]);
});

eachMode("every socket is in a room named after its id", async (t, mode) => {
  const [a, b] = await connectAll(t, url(), mode, 2);
  const ev = uniq("ev");
  const { counts } = counter([a, b], ev);
  await a.timeout(WAIT).emitWithAck("to", { rooms: [b.id], event: ev, args: [] });
  await settle(counts, 1);
  assert.deepEqual(counts, [0, 1]);
});

eachMode("leave stops delivery", async (t, mode) => {
  const [a, b] = await connectAll(t, url(), mode, 2);
  const room = uniq("r");
  const ev = uniq("ev");
  await join(a, room);
  await join(b, room);
  assert.equal(await b.timeout(WAIT).emitWithAck("leave", room), true);
  const { counts } = counter([a, b], ev);
  await a.timeout(WAIT).emitWithAck("to", { rooms: [room], event: ev, args: [] });
  await settle(counts, 1);
  assert.deepEqual(counts, [1, 0]);
});

eachMode("volatile emit reaches a connected client", async (t, mode) => {
  const [a] = await connectAll(t, url(), mode, 1);
  const room = uniq("r");
  await join(a, room);
  const got = once(a, "v");
  await a.timeout(WAIT).emitWithAck("to", { rooms: [room], event: "v", args: [1, "vol"], volatile: true });
  assert.deepEqual(await got, [1, "vol"]);
});

eachMode("broadcast EmitWithAck collects one reply per client", async (t, mode) => {
  const sockets = await connectAll(t, url(), mode, 3);
  const room = uniq("r");
  for (const [i, s] of sockets.entries()) {
    await join(s, room);
    s.on("poll", (q, cb) => cb(`${q}-${i}`));
  }
  const res = await sockets[0].timeout(WAIT).emitWithAck("collect", { rooms: [room], timeout: WAIT, event: "poll", args: ["q"] });
  assert.equal(res.ok, true);
  assert.deepEqual([...res.replies].sort(), ["q-0", "q-1", "q-2"]);
});

eachMode("broadcast EmitWithAck times out when a client stays silent", async (t, mode) => {
  const [a, b] = await connectAll(t, url(), mode, 2);
  const room = uniq("r");
  await join(a, room);
  await join(b, room);
  a.on("poll", (q, cb) => cb("a"));
  b.on("poll", () => {});
  const res = await a.timeout(WAIT).emitWithAck("collect", { rooms: [room], timeout: 300, event: "poll", args: ["q"] });
  assert.equal(res.ok, false);
});

eachMode("50 clients each get a broadcast exactly once", async (t, mode) => {
  const sockets = await connectAll(t, url(), mode, 50);
  const room = uniq("many");
  await Promise.all(sockets.map((s) => join(s, room)));
  const ev = uniq("ev");
  const { counts } = counter(sockets, ev);
  const outsider = (await connectAll(t, url(), mode, 1))[0];
  const quiet = silence(outsider, ev, 500);
  await outsider.timeout(WAIT).emitWithAck("to", { rooms: [room], event: ev, args: ["all"] });
  await settle(counts, 50, 10_000);
  assert.deepEqual(counts, sockets.map(() => 1));
  await quiet;
});
