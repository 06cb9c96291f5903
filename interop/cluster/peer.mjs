// peer.mjs: the Node side of the sockbus/Node mixed-cluster test
// (bus/redisadapter/mixed_cluster_test.go).
//
// It runs a socket.io 4.8 server with @socket.io/redis-adapter 8.3 on
// 127.0.0.1:0 (REDIS_URL, PREFIX from the environment), official
// socket.io-client clients, and an @socket.io/redis-emitter. It reads one
// JSON command per stdin line and writes one JSON event per stdout line;
// the first line is {"ev":"listening","port":N}.
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-adapter";
import { Emitter } from "@socket.io/redis-emitter";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const key = process.env.PREFIX ?? "socket.io";

// Buffers become {"buf":[...]} so that they survive JSON.
const plain = (v) => {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer) return { buf: [...Buffer.from(v)] };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};
// {"buf":[...]} in commands becomes a Buffer.
const revive = (v) => {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    if (Array.isArray(v.buf)) return Buffer.from(v.buf);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  }
  return v;
};
const out = (o) => process.stdout.write(JSON.stringify(plain(o)) + "\n");

const pub = createClient({ url });
const sub = pub.duplicate();
const emitterClient = pub.duplicate();
for (const c of [pub, sub, emitterClient]) c.on("error", (err) => out({ ev: "redis-error", err: String(err) }));
await Promise.all([pub.connect(), sub.connect(), emitterClient.connect()]);

const http = createServer();
const io = new Server(http, { adapter: createAdapter(pub, sub, { key }) });
const emitter = new Emitter(emitterClient, { key });

io.on("connection", (socket) => {
  socket.data = { lang: "node" };
  socket.on("join", (room, cb) => {
    socket.join(room);
    cb?.("ok");
  });
});
io.on("ping", (arg, cb) => {
  out({ ev: "server-side", arg });
  cb?.("pong-from-node");
});

const clients = new Map();

const ops = {
  client({ name, url }) {
    const s = connect(url, { transports: ["websocket"], forceNew: true, reconnection: false });
    clients.set(name, s);
    s.on("connect", () => out({ ev: "connected", name, id: s.id }));
    s.on("connect_error", (err) => out({ ev: "connect_error", name, err: String(err) }));
    s.on("disconnect", (reason) => out({ ev: "disconnect", name, reason }));
    s.onAny((event, ...args) => {
      const cb = typeof args.at(-1) === "function" ? args.pop() : null;
      out({ ev: "event", name, event, args });
      cb?.(`ack-${event}-${name}`);
    });
  },
  async join({ name, room }) {
    return { ack: await clients.get(name).emitWithAck("join", room) };
  },
  emit({ rooms = [], except = [], event, args = [] }) {
    io.to(rooms).except(except).emit(event, ...revive(args));
  },
  async emitWithAck({ event, args = [] }) {
    return { acks: await io.timeout(4000).emitWithAck(event, ...revive(args)) };
  },
  async fetch({ rooms = [] }) {
    const sockets = await io.in(rooms).fetchSockets();
    return { sockets: sockets.map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data })) };
  },
  async serverSideEmit({ event, args = [] }) {
    return { acks: await io.serverSideEmitWithAck(event, ...args) };
  },
  async serverCount() {
    return { count: await io.of("/").adapter.serverCount() };
  },
  emitter({ rooms = [], event, args = [] }) {
    emitter.to(rooms).emit(event, ...revive(args));
  },
  async close() {
    for (const s of clients.values()) s.close();
    io.close();
    await Promise.all([sub.quit(), emitterClient.quit()]).catch(() => {});
    process.exit(0);
  },
};

createInterface({ input: process.stdin }).on("line", async (line) => {
  const cmd = JSON.parse(line);
  try {
    const res = await ops[cmd.op](cmd);
    out({ ev: "done", op: cmd.op, seq: cmd.seq, ...res });
  } catch (err) {
    out({ ev: "done", op: cmd.op, seq: cmd.seq, error: String(err) });
  }
});
process.stdin.on("end", () => process.exit(0));

http.listen(0, "127.0.0.1", () => out({ ev: "listening", port: http.address().port }));
