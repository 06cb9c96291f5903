// Package bus implements the server semantics of Socket.IO v5 (the
// Socket.IO v4 JavaScript server is the reference) over any
// transport.Conn: namespaces, middlewares, sockets, rooms, broadcasts,
// acknowledgements and a cluster seam (Adapter).
//
// A Server is a transport.Handler (and a transport.ValueHandler): wire it to
// a transport (WebSocket, long-polling, raw TCP) or connect an in-process
// client with transport.Pipe. bus imports no networking code.
//
// # Concurrency
//
// All exported methods are safe for concurrent use. Handlers (event
// listeners, middlewares, OnConnection) run on the reader goroutine of the
// connection that caused them, in order: a handler that blocks delays the
// following packets of that connection (not of others). Do heavy or
// blocking work (EmitWithAck, database calls) in a goroutine of your own.
// A panicking handler is recovered, logged through Config.Logger, and its
// socket disconnected.
//
// # In-process delivery
//
// When a recipient's connection implements transport.ValueConn and its peer
// accepts values, packets are handed over as *codec.Packet with Values set:
// no JSON is produced or parsed. Otherwise a broadcast encodes its packet
// once and shares the bytes with every recipient.
//
// The in-process contract, for clients that implement
// transport.ValueHandler: bus sends EVENT and ACK packets as *codec.Packet
// values (Values holds the event name then the arguments, or the ack
// arguments; []byte values are shared, read-only) and CONNECT, CONNECT_ERROR
// and DISCONNECT packets as encoded text messages. It accepts from such a
// client either encoded messages or *codec.Packet values: EVENT and ACK
// with Values, CONNECT with Data (the auth object) and DISCONNECT. A
// packet value must not be modified once sent.
//
// # Clusters
//
// Each namespace has an Adapter (Config.NewAdapter; in-memory by default)
// that forwards broadcasts, room operations, FetchSockets and server-side
// emits to other servers. NewMemoryCluster joins several Servers of one
// process; bus/adaptertest checks any Adapter against the expected
// behaviour.
package bus
