// Acknowledgements both ways: callbacks, timeout(ms).emit, emitWithAck, and
// server-side EmitWithAck with a deadline.
import assert from "node:assert/strict";
import { WAIT, bytes, client, connected, eachMode, once, useServer } from "./lib/harness.mjs";

const url = useServer();

eachMode("ack callback gets the server's arguments", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const args = await new Promise((res) => s.emit("ack", "a", 1, { b: [true, null] }, (...got) => res(got)));
  assert.deepEqual(args, ["a", 1, { b: [true, null] }]);
});

eachMode("ack with no arguments", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const args = await new Promise((res) => s.emit("ack", (...got) => res(got)));
  assert.deepEqual(args, []);
});

eachMode("timeout(ms).emit: error-first callback on success", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const [err, v] = await new Promise((res) => s.timeout(WAIT).emit("ack", "v", (...got) => res(got)));
  assert.equal(err, null);
  assert.equal(v, "v");
});

eachMode("timeout(ms).emit: error when the server never acks", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const [err] = await new Promise((res) => s.timeout(200).emit("ignore", "v", (...got) => res(got)));
  assert.ok(err instanceof Error);
  assert.equal(err.message, "operation has timed out");
});

eachMode("emitWithAck resolves with the first ack argument", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  assert.deepEqual(await s.emitWithAck("ack", { x: [1, 2] }, "ignored"), { x: [1, 2] });
  assert.equal(await s.timeout(WAIT).emitWithAck("ack", 7), 7);
});

eachMode("emitWithAck rejects on timeout", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  await assert.rejects(s.timeout(200).emitWithAck("ignore"), /operation has timed out/);
});

eachMode("binary ack both ways", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const [b, obj] = await new Promise((res) => s.emit("ack", Buffer.from([5, 6]), { in: [Buffer.from("z")] }, (...got) => res(got)));
  assert.deepEqual(bytes(b), Buffer.from([5, 6]));
  assert.equal(bytes(obj.in[0]).toString(), "z");
});

eachMode("many acks in flight each get their own answer", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const got = await Promise.all(Array.from({ length: 30 }, (_, i) => s.timeout(WAIT).emitWithAck("ack", i)));
  assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => i));
});

eachMode("server EmitWithAck: client answers", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  s.on("question", (a, b, cb) => cb({ sum: a + b, echo: [a, b] }));
  const result = once(s, "ask-result");
  s.emit("ask", { timeout: WAIT, args: [2, 3] });
  assert.deepEqual(await result, [{ ok: true, value: { sum: 5, echo: [2, 3] } }]);
});

eachMode("server EmitWithAck: client answers with binary", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  s.on("question", (cb) => cb(Buffer.from([1, 2, 3, 4])));
  const result = once(s, "ask-result");
  s.emit("ask", { timeout: WAIT, args: [] });
  const [res] = await result;
  assert.equal(res.ok, true);
  assert.deepEqual(bytes(res.value), Buffer.from([1, 2, 3, 4]));
});

eachMode("server EmitWithAck: times out when the client stays silent", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  s.on("question", () => {});
  const result = once(s, "ask-result");
  s.emit("ask", { timeout: 200, args: ["hi"] });
  const [res] = await result;
  assert.equal(res.ok, false);
  assert.equal(typeof res.error, "string");
});
