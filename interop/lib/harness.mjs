// harness.mjs starts the interop test server once per test file and gives
// the tests small helpers around the official socket.io-client.
//
// The server is the Go program ./interop/server, built once into a temporary
// binary (or the binary named by INTEROP_SERVER_BIN). INTEROP_SERVER=node
// runs the Node reference server (interop/refserver.mjs) instead, which is
// how the suite itself is checked against the official implementation.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { io } from "socket.io-client";

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "..", "..");

// MODES are the three client transport modes every applicable case runs in.
export const MODES = [
  { name: "websocket", opts: { transports: ["websocket"] } },
  { name: "polling", opts: { transports: ["polling"] } },
  { name: "upgrade", opts: {} },
];

// WAIT is the default time limit for one expected event.
export const WAIT = 5000;

function serverCommand() {
  if (process.env.INTEROP_SERVER === "node") {
    return { cmd: process.execPath, args: [join(root, "interop", "refserver.mjs")], cleanup: () => {} };
  }
  if (process.env.INTEROP_SERVER_BIN) {
    return { cmd: process.env.INTEROP_SERVER_BIN, args: [], cleanup: () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), "sockbus-interop-"));
  const bin = join(dir, "server");
  execFileSync("go", ["build", "-o", bin, "./interop/server"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  return { cmd: bin, args: [], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// startServer starts the server and resolves to its base URL.
export function startServer() {
  const { cmd, args, cleanup } = serverCommand();
  const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const stop = () => {
    child.kill("SIGTERM");
    cleanup();
  };
  return new Promise((resolveURL, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`interop server did not print LISTENING within 60 s; stdout: ${out}`));
    }, 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`interop server exited with ${code}; stdout: ${out}`));
    });
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveURL({ url: `http://127.0.0.1:${m[1]}`, stop });
      }
    });
  });
}

// suite starts the server for the current test file and returns a getter for
// its URL.
export function useServer() {
  let srv;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv?.stop());
  return () => srv.url;
}

// tally counts passed/failed cases per transport mode for the summary line.
const tally = Object.fromEntries(MODES.map((m) => [m.name, { pass: 0, fail: 0 }]));
let tallied = false;

function summary() {
  const file = process.argv[1]?.split("/").pop();
  const parts = MODES.map((m) => `${m.name} ${tally[m.name].pass}/${tally[m.name].pass + tally[m.name].fail}`);
  const fail = MODES.reduce((n, m) => n + tally[m.name].fail, 0);
  console.log(`SUMMARY ${file}: ${parts.join(", ")} passed; ${fail} failed`);
}

// eachMode declares one test per transport mode: fn(t, mode).
export function eachMode(name, fn, modes = MODES) {
  if (!tallied) {
    tallied = true;
    after(summary);
  }
  for (const mode of modes) {
    test(`${name} [${mode.name}]`, { timeout: 30_000 }, async (t) => {
      try {
        await fn(t, mode);
        tally[mode.name].pass++;
      } catch (err) {
        tally[mode.name].fail++;
        throw err;
      }
    });
  }
}

// client opens a socket to url+nsp in the given mode, closed when t ends.
// Reconnection is off unless opts turns it on.
export function client(t, url, mode, nsp = "/", opts = {}) {
  const socket = io(url + nsp, { forceNew: true, reconnection: false, ...mode.opts, ...opts });
  t.after(() => {
    socket.disconnect();
    socket.io.engine?.close();
  });
  return socket;
}

// once resolves with the argument list of the next ev on emitter, or
// rejects after ms.
export function once(emitter, ev, ms = WAIT) {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      emitter.off(ev, fn);
      rej(new Error(`timed out after ${ms} ms waiting for ${JSON.stringify(ev)}`));
    }, ms);
    const fn = (...args) => {
      clearTimeout(timer);
      res(args);
    };
    emitter.once(ev, fn);
  });
}

// connected resolves when socket is connected and rejects on connect_error.
export function connected(socket, ms = WAIT) {
  if (socket.connected) return Promise.resolve(socket);
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no connect within ${ms} ms`)), ms);
    socket.once("connect", () => {
      clearTimeout(timer);
      res(socket);
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      rej(err);
    });
  });
}

// connectAll opens n sockets and waits until all are connected.
export async function connectAll(t, url, mode, n, nsp = "/", opts = {}) {
  const sockets = Array.from({ length: n }, () => client(t, url, mode, nsp, opts));
  await Promise.all(sockets.map((s) => connected(s)));
  return sockets;
}

// waitFor polls fn until it returns a truthy value or ms pass.
export async function waitFor(fn, ms = WAIT, every = 50) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// reasonOf asks the server, over a fresh control socket, for the server-side
// disconnect reason it recorded for auth tag, waiting until there is one.
export async function reasonOf(t, url, tag) {
  const ctl = client(t, url, MODES[0]);
  await connected(ctl);
  return waitFor(() => ctl.timeout(WAIT).emitWithAck("reason", tag));
}

// silence returns a promise that rejects if ev fires on emitter within ms.
export function silence(emitter, ev, ms = 300) {
  return new Promise((res, rej) => {
    const fn = (...args) => {
      clearTimeout(timer);
      rej(new Error(`unexpected ${ev}: ${JSON.stringify(args)}`));
    };
    const timer = setTimeout(() => {
      emitter.off(ev, fn);
      res();
    }, ms);
    emitter.on(ev, fn);
  });
}

// bytes returns the bytes of a Buffer, ArrayBuffer or typed array as a Buffer.
export function bytes(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`not binary: ${Object.prototype.toString.call(v)}`);
}

let seq = 0;
// uniq returns a name unique within this process.
export function uniq(prefix) {
  return `${prefix}-${process.pid}-${++seq}`;
}
