// driver.mjs: an official socket.io-client peer driven by the Go tests in
// interop/goclient. Usage: node driver.mjs <url> <room>. It connects, joins
// <room> (acknowledged) and prints "JOINED <id>", then prints
// "EVENT <json [name, ...args]>" for every event it receives. Each line read
// on stdin is a JSON array [name, ...args] that it emits.
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const [url, room] = process.argv.slice(2);
const socket = io(url, { reconnection: false });
socket.onAny((...args) => console.log(`EVENT ${JSON.stringify(args)}`));
socket.on("connect", async () => {
  await socket.emitWithAck("join", room);
  console.log(`JOINED ${socket.id}`);
});
socket.on("connect_error", (err) => console.log(`ERROR ${err.message}`));
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() !== "") socket.emit(...JSON.parse(line));
});
process.stdin.on("end", () => {
  socket.close();
  process.exit(0);
});
