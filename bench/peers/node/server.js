// Node socket.io 4.8.x peer server for the sockbus load harness.
// Usage: node server.js --addr 127.0.0.1:3000
// websocket transport only, perMessageDeflate off, the four harness handlers.
'use strict';
const http = require('node:http');
const { Server } = require('socket.io');

function flag(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const addr = flag('addr', '127.0.0.1:3000');
const sep = addr.lastIndexOf(':');
const host = addr.slice(0, sep);
const port = Number(addr.slice(sep + 1));

const httpServer = http.createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
});

io.on('connection', (socket) => {
  socket.on('echo', (data, ack) => {
    if (typeof ack === 'function') ack(data);
  });
  socket.on('bcast', (data) => {
    io.emit('msg', data);
  });
  socket.on('join', (room, ack) => {
    socket.join(room);
    if (typeof ack === 'function') ack();
  });
  socket.on('room', (room, data) => {
    io.to(room).emit('msg', data);
  });
});

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));

httpServer.listen(port, host, () => {
  process.stderr.write(`node socket.io ${require('socket.io/package.json').version} peer listening on ${addr}\n`);
});
