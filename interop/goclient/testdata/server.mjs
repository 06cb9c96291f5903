// server.mjs: the official Node socket.io server for the Go client tests in
// interop/goclient. It implements the same contract as the sockbus server in
// servers_test.go. Usage: node server.mjs [port]; port 0 (the default) picks
// a free one. It prints "LISTENING <port>" once it accepts connections.
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 0);
const httpServer = createServer();
const io = new Server(httpServer, { pingInterval: 1000, pingTimeout: 1500, maxHttpBufferSize: 1e6 });

const done = (cb, ...args) => {
  if (typeof cb === "function") cb(...args);
};

io.on("connection", (socket) => {
  socket.on("echo", (...args) => socket.emit("echo", ...args));
  socket.on("ack", (...args) => {
    const cb = args.pop();
    cb(...args);
  });
  socket.on("ignore", () => {});
  socket.on("transport", (cb) => cb(socket.conn.transport.name));
  socket.on("ask", async (spec) => {
    try {
      const value = await socket.timeout(spec.timeout).emitWithAck("question", ...spec.args);
      socket.emit("ask-result", { ok: true, value });
    } catch (err) {
      socket.emit("ask-result", { ok: false, error: String(err.message) });
    }
  });
  socket.on("join", (room, cb) => {
    socket.join(room);
    done(cb, true);
  });
  socket.on("socket-to", (spec, cb) => {
    socket.to(spec.rooms).emit(spec.event, ...(spec.args ?? []));
    done(cb, true);
  });
  socket.on("to", (spec, cb) => {
    io.to(spec.rooms).emit(spec.event, ...(spec.args ?? []));
    done(cb, true);
  });
});

io.of("/admin").on("connection", (socket) => {
  socket.on("echo", (...args) => socket.emit("echo", "admin", ...args));
  socket.emit("hello", "admin");
});

const auth = io.of("/auth");
auth.use((socket, next) => {
  if (socket.handshake.auth?.token === "secret") return next();
  const err = new Error("unauthorized");
  err.data = { code: 4001, reason: "bad token" };
  next(err);
});
auth.on("connection", (socket) => socket.emit("welcome", socket.handshake.auth.user ?? null));

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`LISTENING ${httpServer.address().port}`);
});
