// Package redisadapter is a bus.Adapter over Redis pub/sub, wire-compatible
// with Node's @socket.io/redis-adapter 8.x classic adapter (createAdapter):
// sockbus and Node socket.io servers sharing a Redis and a key prefix form
// one cluster.
//
// Wire format (docs/redis-adapter.md section 1): broadcasts are notepack
// msgpack arrays [uid, {type,data,nsp}, {rooms,except,flags}] published on
// <prefix>#<nsp># (or <prefix>#<nsp>#<room># for a single room), each
// server PSUBSCRIBEs <prefix>#<nsp>#*; requests go on <prefix>-request#<nsp>#
// and responses on <prefix>-response#<nsp>#, in JSON except
// acknowledged broadcasts (type 7) and their acknowledgements (type 9).
// Binary arguments travel as msgpack bin, so they arrive in Node as
// Buffers. ServerCount is PUBSUB NUMSUB of the request channel.
//
// Differences from Node, both invisible on the wire: Node's sender of
// SocketsJoin, SocketsLeave and DisconnectSockets applies them when its own
// request echoes back; bus applies the local part before calling the
// adapter, so this adapter ignores its own echo. Arguments of server-side
// emits and requests in JSON lose binary (as in Node).
//
// Every message of a namespace's adapter is published by one goroutine, in
// call order, pipelining what accumulated while the previous batch was in
// flight (as node-redis does). Broadcast returns once its message is queued,
// as Node publishes without waiting, except after a failed publish: it then
// waits and returns the error. Requests and SocketsJoin & co. wait for their
// PUBLISH. Since one queue carries them all, a broadcast followed by
// SocketsLeave reaches the other servers in that order.
//
// Each namespace's adapter holds one subscription connection (go-redis
// PubSub). When Redis goes away, operations fail with errors naming Redis;
// the subscription is re-established by go-redis (the adapter retries with
// a backoff up to 2 s) and broadcasts flow again once Redis is back.
// Messages published during the outage are lost, as with Node.
//
// The adapters are safe for concurrent use.
package redisadapter
