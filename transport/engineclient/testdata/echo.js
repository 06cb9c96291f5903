// Bare engine.io echo server for engineclient's interop tests.
// argv[2]: JSON options merged into the engine.io server options.
// Prints the port, then runs until stdin closes.
const http = require('http');
const engine = require('engine.io');

const opts = Object.assign(
  { path: '/engine.io/', pingInterval: 300, pingTimeout: 200, maxHttpBufferSize: 1e6 },
  JSON.parse(process.argv[2] || '{}'),
);
const httpServer = http.createServer();
const server = engine.attach(httpServer, opts);
server.on('connection', (socket) => {
  socket.on('message', (data) => (data === 'close' ? socket.close() : socket.send(data)));
});
httpServer.listen(0, '127.0.0.1', () => {
  process.stdout.write(httpServer.address().port + '\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
