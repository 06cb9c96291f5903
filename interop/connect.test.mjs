// Connection lifecycle: connect, upgrade, every disconnect reason both sides
// see, reconnection, namespaces and middleware refusal.
import assert from "node:assert/strict";
import { io, Manager } from "socket.io-client";
import { MODES, WAIT, client, connected, eachMode, once, reasonOf, silence, uniq, useServer, waitFor } from "./lib/harness.mjs";

const url = useServer();

eachMode("connect gives a socket id distinct from the engine id", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  assert.equal(typeof s.id, "string");
  assert.ok(s.id.length > 0);
  assert.notEqual(s.id, s.io.engine.id);
  assert.ok(!s.recovered);
});

eachMode("transport ends on the expected transport", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  if (mode.name === "upgrade") {
    if (s.io.engine.transport.name !== "websocket") await once(s.io.engine, "upgrade");
    assert.equal(s.io.engine.transport.name, "websocket");
  } else {
    assert.equal(s.io.engine.transport.name, mode.name);
  }
  const got = once(s, "echo");
  s.emit("echo", "after-upgrade");
  assert.deepEqual(await got, ["after-upgrade"]);
});

eachMode("auth and query reach the server", async (t, mode) => {
  const s = client(t, url(), mode, "/", { auth: { user: "ann", n: 1 }, query: { x: "42" } });
  await connected(s);
  const hs = await s.timeout(WAIT).emitWithAck("handshake");
  assert.deepEqual(hs, { auth: { user: "ann", n: 1 }, query: { x: "42" } });
});

eachMode("client disconnect: server sees client namespace disconnect", async (t, mode) => {
  const tag = uniq("cnd");
  const s = client(t, url(), mode, "/", { auth: { tag } });
  await connected(s);
  const gone = once(s, "disconnect");
  s.disconnect();
  assert.deepEqual(await gone, ["io client disconnect", undefined]);
  assert.equal(await reasonOf(t, url(), tag), "client namespace disconnect");
});

eachMode("server disconnect(): client sees io server disconnect and stays down", async (t, mode) => {
  const tag = uniq("snd");
  const s = client(t, url(), mode, "/", { auth: { tag }, reconnection: true, reconnectionDelay: 50 });
  await connected(s);
  const gone = once(s, "disconnect");
  s.emit("disconnect-me", false);
  const [reason] = await gone;
  assert.equal(reason, "io server disconnect");
  assert.equal(s.active, false);
  assert.equal(await reasonOf(t, url(), tag), "server namespace disconnect");
  await silence(s, "connect", 300);
});

eachMode("server disconnect(true) closes the whole connection", async (t, mode) => {
  const tag = uniq("sdt");
  const s = client(t, url(), mode, "/", { auth: { tag } });
  const admin = s.io.socket("/admin");
  t.after(() => admin.disconnect());
  admin.connect();
  await Promise.all([connected(s), connected(admin)]);
  const goneMain = once(s, "disconnect");
  const goneAdmin = once(admin, "disconnect");
  const engineClosed = once(s.io.engine, "close");
  s.emit("disconnect-me", true);
  assert.equal((await goneMain)[0], "io server disconnect");
  assert.ok(["io server disconnect", "transport close"].includes((await goneAdmin)[0]));
  await engineClosed;
  assert.equal(await reasonOf(t, url(), tag), "server namespace disconnect");
});

eachMode("client closes the transport: server sees transport close", async (t, mode) => {
  const tag = uniq("ctc");
  const s = client(t, url(), mode, "/", { auth: { tag } });
  await connected(s);
  const gone = once(s, "disconnect");
  s.io.engine.close();
  assert.equal((await gone)[0], "forced close");
  assert.equal(await reasonOf(t, url(), tag), "transport close");
});

eachMode("ping timeout: a client that never pongs is dropped", async (t, mode) => {
  const tag = uniq("ping");
  const s = client(t, url(), mode, "/", { auth: { tag } });
  await connected(s);
  if (mode.name === "upgrade" && s.io.engine.transport.name !== "websocket") await once(s.io.engine, "upgrade");
  const engine = s.io.engine;
  const send = engine._sendPacket.bind(engine);
  engine._sendPacket = (type, ...rest) => (type === "pong" ? undefined : send(type, ...rest));
  const gone = once(s, "disconnect", 10_000);
  assert.equal(await reasonOf(t, url(), tag), "ping timeout");
  const [reason] = await gone;
  assert.ok(["transport close", "transport error", "ping timeout"].includes(reason), reason);
});

eachMode("client reconnects by itself after the server drops the transport", async (t, mode) => {
  const s = client(t, url(), mode, "/", { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
  await connected(s);
  const firstID = s.id;
  const gone = once(s, "disconnect");
  const back = once(s, "connect", 10_000);
  s.emit("drop");
  const [reason] = await gone;
  assert.ok(["transport close", "transport error"].includes(reason), reason);
  await back;
  assert.ok(s.connected);
  assert.notEqual(s.id, firstID);
  const echoed = once(s, "echo");
  s.emit("echo", "again");
  assert.deepEqual(await echoed, ["again"]);
});

eachMode("unknown namespace: connect_error Invalid namespace", async (t, mode) => {
  const s = client(t, url(), mode, "/nope");
  const [err] = await once(s, "connect_error");
  assert.equal(err.message, "Invalid namespace");
  assert.equal(s.connected, false);
});

eachMode("middleware refusal carries message and data", async (t, mode) => {
  const s = client(t, url(), mode, "/auth", { auth: { token: "wrong" } });
  const [err] = await once(s, "connect_error");
  assert.equal(err.message, "unauthorized");
  assert.deepEqual(err.data, { code: 4001, reason: "bad token" });
  assert.equal(s.connected, false);
});

eachMode("middleware acceptance", async (t, mode) => {
  const s = client(t, url(), mode, "/auth", { auth: { token: "secret", user: "bob" } });
  const welcome = once(s, "welcome");
  await connected(s);
  assert.deepEqual(await welcome, ["bob"]);
});

eachMode("two namespaces multiplexed over one connection", async (t, mode) => {
  const manager = new Manager(url(), { reconnection: false, ...mode.opts });
  const main = manager.socket("/");
  const admin = manager.socket("/admin");
  t.after(() => {
    main.disconnect();
    admin.disconnect();
    manager.engine?.close();
  });
  const hello = once(admin, "hello");
  await Promise.all([connected(main), connected(admin)]);
  assert.equal(main.io, admin.io);
  assert.deepEqual(await hello, ["admin"]);
  const a = once(admin, "echo");
  const m = once(main, "echo");
  admin.emit("echo", 1);
  main.emit("echo", 2);
  assert.deepEqual(await a, ["admin", 1]);
  assert.deepEqual(await m, [2]);
  // leaving one namespace keeps the other working on the same engine
  const engineID = manager.engine.id;
  admin.disconnect();
  const m2 = once(main, "echo");
  main.emit("echo", 3);
  assert.deepEqual(await m2, [3]);
  assert.equal(manager.engine.id, engineID);
});

eachMode("dynamic namespace from a regexp", async (t, mode) => {
  const s = client(t, url(), mode, "/dyn-42");
  const nsp = once(s, "nsp");
  await connected(s);
  assert.deepEqual(await nsp, ["/dyn-42"]);
  const bad = client(t, url(), mode, "/dyn-abc");
  const [err] = await once(bad, "connect_error");
  assert.equal(err.message, "Invalid namespace");
});

eachMode("emits buffered before connect are sent after connect", async (t, mode) => {
  const s = client(t, url(), mode, "/", { autoConnect: false });
  const got = once(s, "echo");
  s.emit("echo", "early");
  s.connect();
  assert.deepEqual(await got, ["early"]);
});

void io;
void MODES;
void waitFor;
