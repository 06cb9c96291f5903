// refserver.mjs is the reference implementation of the interop test server,
// written with the official Node socket.io package. It implements exactly the
// contract of interop/server/main.go, so the test suite can be checked
// against Node itself: INTEROP_SERVER=node node --test interop/
import { createServer } from "node:http";
import { Server } from "socket.io";

const httpServer = createServer();
const io = new Server(httpServer, {
  pingInterval: 1000,
  pingTimeout: 1500,
  maxHttpBufferSize: 100_000,
  cors: { origin: "*" },
});

const reasons = new Map(); // auth tag -> server-side disconnect reason

function mainNamespace(nsp) {
  nsp.on("connection", (socket) => {
    const tag = socket.handshake.auth?.tag;
    socket.on("disconnect", (reason) => {
      if (tag) reasons.set(tag, reason);
    });
    socket.on("echo", (...args) => socket.emit("echo", ...args));
    socket.on("ack", (...args) => {
      const cb = args.pop();
      cb(...args);
    });
    socket.on("ignore", () => {});
    socket.on("handshake", (cb) =>
      cb({ auth: socket.handshake.auth, query: { x: socket.handshake.query.x ?? null } }),
    );
    socket.on("reason", (t, cb) => cb(reasons.get(t) ?? null));
    socket.on("types", () =>
      socket.emit("types", "str", 42, -1.5, true, false, null, { a: { b: [1, "x", null] } }, [1, [2, [3]]], "héllo 世界 🎉"),
    );
    socket.on("bin", () =>
      socket.emit("bin", Buffer.from([1, 2, 3]), { nested: { data: Buffer.from([4, 5]) }, list: [Buffer.from([6]), "x"] }),
    );
    socket.on("ask", async (spec) => {
      try {
        const value = await socket.timeout(spec.timeout).emitWithAck("question", ...spec.args);
        socket.emit("ask-result", { ok: true, value });
      } catch (err) {
        socket.emit("ask-result", { ok: false, error: String(err.message) });
      }
    });
    socket.on("join", (rooms, cb) => {
      socket.join(rooms);
      cb(true);
    });
    socket.on("leave", (room, cb) => {
      socket.leave(room);
      cb(true);
    });
    socket.on("to", (spec, cb) => {
      let op = nsp.to(spec.rooms ?? []).except(spec.except ?? []);
      if (spec.volatile) op = op.volatile;
      op.emit(spec.event, ...(spec.args ?? []));
      cb(true);
    });
    socket.on("socket-to", (spec, cb) => {
      socket.to(spec.rooms).emit(spec.event, ...(spec.args ?? []));
      cb(true);
    });
    socket.on("broadcast", (spec, cb) => {
      socket.broadcast.emit(spec.event, ...(spec.args ?? []));
      cb(true);
    });
    socket.on("collect", async (spec, cb) => {
      try {
        const replies = await nsp.to(spec.rooms).timeout(spec.timeout).emitWithAck(spec.event, ...(spec.args ?? []));
        cb({ ok: true, replies });
      } catch (err) {
        cb({ ok: false, error: String(err.message) });
      }
    });
    socket.on("disconnect-me", (close) => socket.disconnect(close));
    socket.on("drop", () => socket.conn.close());
  });
}

mainNamespace(io.of("/"));

io.of("/admin").on("connection", (socket) => {
  socket.on("echo", (...args) => socket.emit("echo", "admin", ...args));
  socket.emit("hello", "admin");
});

io.of(/^\/dyn-\d+$/).on("connection", (socket) => {
  socket.emit("nsp", socket.nsp.name);
});

const auth = io.of("/auth");
auth.use((socket, next) => {
  if (socket.handshake.auth?.token === "secret") return next();
  const err = new Error("unauthorized");
  err.data = { code: 4001, reason: "bad token" };
  next(err);
});
auth.on("connection", (socket) => socket.emit("welcome", socket.handshake.auth.user ?? null));

httpServer.listen(0, "127.0.0.1", () => {
  console.log(`LISTENING ${httpServer.address().port}`);
});
