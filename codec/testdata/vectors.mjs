// vectors.mjs prints, as one JSON document, test vectors produced by the
// official npm parsers (socket.io-parser, engine.io-parser). TestNPMVectors
// runs it and checks that package codec encodes the same inputs byte for byte
// and decodes the parsers' output. Binary values are written as
// {"$bin":"<base64>"}; object keys are sorted so that Go maps (which encode
// with sorted keys) produce the same JSON.
import { Encoder, Decoder } from "socket.io-parser";
import {
  encodePacket,
  encodePayload,
  decodePayload,
  createPacketEncoderStream,
} from "engine.io-parser";

const b64 = (buf) => Buffer.from(buf).toString("base64");

// portable turns Buffers into {"$bin": base64}, recursively.
function portable(x) {
  if (Buffer.isBuffer(x) || x instanceof Uint8Array) return { $bin: b64(x) };
  if (Array.isArray(x)) return x.map(portable);
  if (x && typeof x === "object") {
    const out = {};
    for (const k of Object.keys(x)) out[k] = portable(x[k]);
    return out;
  }
  return x;
}

// sorted rebuilds objects with their keys in sorted order (Buffers kept).
function sorted(x) {
  if (Buffer.isBuffer(x)) return x;
  if (Array.isArray(x)) return x.map(sorted);
  if (x && typeof x === "object") {
    const out = {};
    for (const k of Object.keys(x).sort()) out[k] = sorted(x[k]);
    return out;
  }
  return x;
}

const buf = (...b) => Buffer.from(b);
const sioPackets = [
  { type: 0, nsp: "/" },
  { type: 0, nsp: "/", data: { token: "abc" } },
  { type: 0, nsp: "/admin", data: {} },
  { type: 0, nsp: "/custom", data: { pid: "p1", offset: "o1", user: { id: 7 } } },
  { type: 1, nsp: "/" },
  { type: 1, nsp: "/chat" },
  { type: 2, nsp: "/", data: ["hello"] },
  { type: 2, nsp: "/", data: ["mixed", 1, 2.5, true, false, null, { a: 1, b: [1, 2] }, [], {}] },
  { type: 2, nsp: "/chat", id: 12, data: ["msg", "x"] },
  { type: 2, nsp: "/", id: 0, data: ["zero id"] },
  { type: 2, nsp: "/", id: 9007199254740991, data: ["max safe id"] },
  { type: 2, nsp: "/", data: ["unicode", "héllo wörld ✓ 😀 ñ 中文", "\u0001\u001f\n\t\r\b\f\"\\/", "<a&b>"] },
  { type: 2, nsp: "/", data: [42, "numeric name"] },
  { type: 2, nsp: "/", data: ["numbers", 0.1, 1e21, 1e-7, 123456789012, -5, 1.5e300, 3.14159] },
  { type: 2, nsp: "/", data: ["big", "x".repeat(70000)] },
  { type: 2, nsp: "/", data: ["bin", buf(1, 2, 3)] },
  { type: 2, nsp: "/chat", id: 3, data: ["bin ack id", buf(255, 0)] },
  {
    type: 2,
    nsp: "/",
    data: ["nested", { a: buf(1), list: [buf(2), { deep: buf(3) }], z: "end" }, [Buffer.alloc(0), [buf(4, 5)]]],
  },
  { type: 2, nsp: "/", data: ["ten", ...Array.from({ length: 10 }, (_, i) => buf(i))] },
  { type: 3, nsp: "/", id: 0, data: [] },
  { type: 3, nsp: "/", id: 5, data: ["ok", { n: 1 }] },
  { type: 3, nsp: "/x", id: 7, data: [buf(9, 9, 9)] },
  { type: 3, nsp: "/", id: 123456789, data: [{ file: buf(1, 2), name: "f.bin" }] },
  { type: 4, nsp: "/", data: { message: "Not authorized", data: { code: 401 } } },
  { type: 4, nsp: "/random", data: { message: "Invalid namespace" } },
];

const encoder = new Encoder();
const sio = sioPackets.map((p) => {
  const packet = sorted(p);
  const input = portable(packet); // before encode(), which rewrites data
  const [text, ...atts] = encoder.encode(packet);
  return { input, text, attachments: atts.map(b64) };
});

// Inputs that the reference Decoder accepts or rejects.
const parseInputs = [
  "0", "0{}", "0/admin,", "0/admin,{}", "40", "1", "1/chat,", "2[\"a\"]", "2/chat,5[\"a\",1]",
  "3[]", "31[]", "4{\"message\":\"x\"}", "4\"legacy\"", "51-[\"a\",{\"_placeholder\":true,\"num\":0}]",
  "abc", "7", "9", "", "4abc", "2{}", "2abc[\"a\"]", "2[]", "2[{}]", "2[\"connect\"]",
  "2[\"disconnect\",1]", "2[\"newListener\"]", "3{}", "0[]", "0\"x\"", "1{}", "4[]", "4 ",
  "5-[\"a\"]", "50-[\"a\"]", "5a-[\"a\"]", "511-[\"a\"]", "51[\"a\"]", "2[\"a\"", "2[\"a\"]x",
  "0/random", "2/random,[\"a\"]", "2/a,b[\"x\"]", "2 [\"a\"]",
];
const parse = parseInputs.map((input) => {
  const d = new Decoder();
  let ok = true;
  try {
    d.add(input);
  } catch {
    ok = false;
  }
  return { input, ok };
});

const eioPackets = [
  { type: "open", data: '{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}' },
  { type: "close" },
  { type: "ping" },
  { type: "ping", data: "probe" },
  { type: "pong", data: "probe" },
  { type: "message", data: "hello ✓" },
  { type: "message", data: "" },
  { type: "message", data: buf(1, 2, 3, 255) },
  { type: "message", data: Buffer.alloc(0) },
  { type: "upgrade" },
  { type: "noop" },
];
const enc = (p, supportsBinary) =>
  new Promise((resolve) => encodePacket(p, supportsBinary, (out) => resolve(out)));
const wire = (out) => (typeof out === "string" ? { text: out } : { bin: b64(out) });

const eio = [];
for (const p of eioPackets) {
  eio.push({ input: portable(p), ws: wire(await enc(p, true)), poll: await enc(p, false) });
}

const payloadLists = [
  [{ type: "message", data: "hello" }],
  [{ type: "message", data: "a" }, { type: "message", data: "b" }, { type: "ping" }],
  [{ type: "message", data: buf(0, 1, 2) }, { type: "message", data: "txt" }, { type: "message", data: buf(250) }],
  [{ type: "noop" }, { type: "close" }],
];
const payloads = [];
for (const list of payloadLists) {
  const out = await new Promise((resolve) => encodePayload(list, resolve));
  const back = decodePayload(out).map(portable);
  payloads.push({ input: list.map(portable), payload: out, decoded: back });
}

async function frame(p) {
  const stream = createPacketEncoderStream();
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  writer.write(p);
  writer.close();
  const chunks = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(Buffer.from(value));
  }
  return b64(Buffer.concat(chunks));
}
const frameBodies = [];
for (const n of [0, 1, 125, 126, 127, 65535, 65536]) {
  frameBodies.push({ type: "message", data: Buffer.alloc(n, 7) });
  if (n > 0) frameBodies.push({ type: "message", data: "y".repeat(n - 1) });
}
frameBodies.push({ type: "ping" }, { type: "pong", data: "probe" }, { type: "open", data: '{"sid":"x"}' });
const frames = [];
for (const p of frameBodies) {
  frames.push({ input: portable(p), frame: await frame(p) });
}

process.stdout.write(JSON.stringify({ sio, parse, eio, payloads, frames }));
