// Events both ways with every JSON type, binary both ways, and ordering.
import assert from "node:assert/strict";
import { bytes, client, connected, eachMode, once, useServer } from "./lib/harness.mjs";

const url = useServer();

// echoCase declares a case that emits args to "echo" and expects them back.
function echoCase(name, args, check = (got) => assert.deepEqual(got, args)) {
  eachMode(`echo ${name}`, async (t, mode) => {
    const s = client(t, url(), mode);
    await connected(s);
    const got = once(s, "echo");
    s.emit("echo", ...args);
    check(await got);
  });
}

echoCase("strings", ["hello", "", "with \"quotes\" and \\ backslash", "line\nbreak\ttab"]);
echoCase("integers", [0, 1, -1, 42, 2 ** 31, -(2 ** 31), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);
echoCase("floats", [1.5, -0.25, 3.141592653589793, 1e-7, 1.7976931348623157e308]);
echoCase("booleans and null", [true, false, null]);
echoCase("nested object", [{ a: 1, b: { c: [1, 2, { d: "e" }], f: null, g: true }, "key with space": "v", 3: [true] }]);
echoCase("arrays", [[], [1, "two", null, false, [3.5, [{}]]], [[[[]]]]]);
echoCase("unicode", ["héllo", "世界", "🎉👍🏽", "مرحبا", "\u2028\u2029", "\u0000\u001f", { "ключ": "значение" }]);
echoCase("mixed arguments", ["s", 1, 2.5, true, null, { o: 1 }, [1], "é", 0, false]);
echoCase("no arguments", [], (got) => assert.deepEqual(got, []));

eachMode("server emits every JSON type", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const got = once(s, "types");
  s.emit("types");
  assert.deepEqual(await got, ["str", 42, -1.5, true, false, null, { a: { b: [1, "x", null] } }, [1, [2, [3]]], "héllo 世界 🎉"]);
});

eachMode("events keep their order", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const got = [];
  const done = new Promise((res) =>
    s.on("echo", (i) => {
      got.push(i);
      if (got.length === 100) res();
    }),
  );
  for (let i = 0; i < 100; i++) s.emit("echo", i);
  await done;
  assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => i));
});

eachMode("onAny sees every incoming event", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const seen = [];
  s.onAny((ev, ...args) => seen.push([ev, ...args]));
  const got = once(s, "types");
  s.emit("echo", "a", 1);
  s.emit("types");
  await got;
  assert.deepEqual(seen[0], ["echo", "a", 1]);
  assert.equal(seen[1][0], "types");
  assert.equal(seen.length, 2);
});

// Binary.

eachMode("echo Buffer", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const got = once(s, "echo");
  s.emit("echo", Buffer.from([0, 1, 2, 254, 255]));
  const [b] = await got;
  assert.deepEqual(bytes(b), Buffer.from([0, 1, 2, 254, 255]));
});

eachMode("echo ArrayBuffer", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const ab = new Uint8Array([9, 8, 7, 6]).buffer;
  const got = once(s, "echo");
  s.emit("echo", ab);
  const [b] = await got;
  assert.deepEqual(bytes(b), Buffer.from([9, 8, 7, 6]));
});

eachMode("echo Uint8Array view", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const backing = new Uint8Array([100, 1, 2, 3, 200]);
  const got = once(s, "echo");
  s.emit("echo", backing.subarray(1, 4));
  const [b] = await got;
  assert.deepEqual(bytes(b), Buffer.from([1, 2, 3]));
});

eachMode("echo binary nested in objects and arrays, order kept", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const got = once(s, "echo");
  s.emit("echo", { a: Buffer.from("first"), b: [1, Buffer.from("second"), { c: Buffer.from("third") }] }, [Buffer.from("fourth")], "text");
  const [obj, arr, text] = await got;
  assert.equal(bytes(obj.a).toString(), "first");
  assert.equal(obj.b[0], 1);
  assert.equal(bytes(obj.b[1]).toString(), "second");
  assert.equal(bytes(obj.b[2].c).toString(), "third");
  assert.equal(bytes(arr[0]).toString(), "fourth");
  assert.equal(text, "text");
});

eachMode("echo empty and all-byte-values binary", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const got = once(s, "echo");
  s.emit("echo", Buffer.alloc(0), all);
  const [empty, back] = await got;
  assert.equal(bytes(empty).length, 0);
  assert.deepEqual(bytes(back), all);
});

eachMode("server emits binary", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const got = once(s, "bin");
  s.emit("bin");
  const [b, obj] = await got;
  assert.deepEqual(bytes(b), Buffer.from([1, 2, 3]));
  assert.deepEqual(bytes(obj.nested.data), Buffer.from([4, 5]));
  assert.deepEqual(bytes(obj.list[0]), Buffer.from([6]));
  assert.equal(obj.list[1], "x");
});

// Sizes around maxHttpBufferSize (100 KB on the test server).

eachMode("large text payload just under the limit", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const big = "x".repeat(99_000);
  const got = once(s, "echo");
  s.emit("echo", big);
  const [back] = await got;
  assert.equal(back.length, big.length);
  assert.equal(back, big);
});

eachMode("large binary payload just under the limit", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  // polling sends binary as base64 (4/3 larger), so stay under 100 KB after encoding
  const big = Buffer.alloc(mode.name === "websocket" ? 99_000 : 70_000, 7);
  big[0] = 1;
  big[big.length - 1] = 2;
  const got = once(s, "echo");
  s.emit("echo", big);
  const [back] = await got;
  assert.deepEqual(bytes(back), big);
});

eachMode("payload over the limit closes the connection", async (t, mode) => {
  const s = client(t, url(), mode);
  await connected(s);
  const gone = once(s, "disconnect");
  s.emit("echo", "y".repeat(120_000));
  const [reason] = await gone;
  assert.ok(["transport close", "transport error"].includes(reason), reason);
});
