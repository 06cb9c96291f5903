// Package redisemitter publishes Socket.IO events and cluster commands to a
// cluster of servers using the Redis adapter (sockbus's bus/redisadapter or
// Node's @socket.io/redis-adapter) without being a server itself. It is
// wire-compatible with Node's @socket.io/redis-emitter 5.1.0: broadcasts are
// notepack msgpack ["emitter", {type,data,nsp}, {rooms,flags,except}],
// SocketsJoin, SocketsLeave and DisconnectSockets JSON requests without a
// uid, ServerSideEmit a JSON request with uid "emitter" (no
// acknowledgements, as in Node).
//
// An Emitter is an immutable value: Of, To, In, Except, Volatile and
// Compress return modified copies, so it can be kept and shared; it is safe
// for concurrent use.
package redisemitter
