// End-to-end test of examples/chat in headless Chromium (playwright-core):
// messages, typing indicator, binary images and room isolation.
// Run: node --test test/e2e/
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const WAIT = 10_000;

// png returns a w x h RGB gradient as a PNG file.
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set([(x * 255) / w, (y * 255) / h, 200], y * (w * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
const PNG = png(96, 64);

let server, dir, browser, url;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sockbus-e2e-"));
  const bin = join(dir, "chat");
  execFileSync("go", ["build", "-o", bin, "./examples/chat"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  server = spawn(bin, ["-addr", "127.0.0.1:0"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise((res, rej) => {
    let out = "";
    const timer = setTimeout(() => rej(new Error(`chat server did not start: ${out}`)), 30_000);
    server.on("exit", (code) => rej(new Error(`chat server exited with ${code}: ${out}`)));
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// open logs in as nick and joins room, returning the page.
async function open(nick, room) {
  const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
  const errors = [];
  page.on("pageerror", (err) => errors.push(err));
  page.errors = errors;
  await page.goto(url);
  await page.fill("#nick", nick);
  await page.click("#login button");
  await page.waitForSelector("#app:not([hidden])", { timeout: WAIT });
  await page.waitForFunction(() => document.querySelector("#current").textContent === "# lobby", null, { timeout: WAIT });
  if (room !== "lobby") {
    await page.fill("#room", room);
    await page.click("#join-form button");
    await page.waitForFunction((r) => document.querySelector("#current").textContent === `# ${r}`, room, { timeout: WAIT });
  }
  return page;
}

const messageTexts = (page) => page.$$eval("#messages li:not(.notice)", (lis) => lis.map((li) => li.textContent));

test("chat in Chromium: messages, typing, images, rooms", { timeout: 90_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}`);
  const alice = await open("alice", "go");
  const bob = await open("bob", "go");
  const carol = await open("carol", "rust");

  // bob sees alice in the room list count and gets notices of joins
  await bob.waitForFunction(
    () => [...document.querySelectorAll("#rooms li")].some((li) => li.dataset.room === "go" && li.querySelector("small").textContent === "2"),
    null,
    { timeout: WAIT },
  );
  await alice.waitForFunction(() => document.querySelector("#messages").textContent.includes("bob joined"), null, { timeout: WAIT });

  // typing indicator on bob while alice types
  await alice.type("#text", "hello from alice");
  await bob.waitForFunction(() => document.querySelector("#typing").textContent === "alice is typing…", null, { timeout: WAIT });
  assert.equal(await carol.textContent("#typing"), "");

  // the message reaches bob, and the typing indicator goes away
  await alice.click("#send");
  await bob.waitForFunction(
    () => [...document.querySelectorAll("#messages li")].some((li) => li.textContent === "alicehello from alice"),
    null,
    { timeout: WAIT },
  );
  await bob.waitForFunction(() => document.querySelector("#typing").textContent === "", null, { timeout: WAIT });

  // an image sent as binary shows up on bob as an <img> from a Blob URL
  await alice.setInputFiles("#file", { name: "dot.png", mimeType: "image/png", buffer: PNG });
  const img = await bob.waitForSelector("#messages img", { timeout: WAIT });
  const src = await img.getAttribute("src");
  assert.match(src, /^blob:/);
  await bob.waitForFunction(() => document.querySelector("#messages img").naturalWidth === 96, null, { timeout: WAIT });

  // carol, in another room, saw none of it
  await carol.waitForTimeout(300);
  assert.deepEqual(await messageTexts(carol), []);
  assert.equal(await carol.$("#messages img"), null);

  // switching rooms: carol joins go and now gets alice's next message
  await carol.click('#rooms li[data-room="go"]');
  await carol.waitForFunction(() => document.querySelector("#current").textContent === "# go", null, { timeout: WAIT });
  await alice.fill("#text", "welcome carol");
  await alice.click("#send");
  await carol.waitForFunction(
    () => [...document.querySelectorAll("#messages li")].some((li) => li.textContent === "alicewelcome carol"),
    null,
    { timeout: WAIT },
  );

  await bob.screenshot({ path: "/tmp/chat-e2e.png" });
  for (const p of [alice, bob, carol]) assert.deepEqual(p.errors, []);
});
