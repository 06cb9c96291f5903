// Package natsadapter is a bus.Adapter over NATS core pub/sub, for
// clusters of sockbus servers (Go only: there is no official Node NATS
// adapter to be compatible with).
//
// It follows socket.io-adapter's ClusterAdapterWithHeartbeat model
// (docs/redis-adapter.md section 3): every message is a msgpack envelope
// {type,data,uid,nsp} with the ClusterAdapter message types (1
// INITIAL_HEARTBEAT … 13 ADAPTER_CLOSE), plus 14 ALL_ROOMS and 15
// ALL_ROOMS_RESPONSE, which ClusterAdapter lacks. An adapter announces
// itself with INITIAL_HEARTBEAT, answered by HEARTBEATs; it sends a
// HEARTBEAT every Config.HeartbeatInterval, forgets a server silent for
// Config.HeartbeatTimeout and says ADAPTER_CLOSE on Close. ServerCount is 1
// plus the servers heard from.
//
// Subjects: <prefix>.<nsp> carries the messages for every server of the
// namespace and <prefix>.<nsp>.<uid> the responses for one server (uid is
// 16 hex characters). The namespace is used verbatim when it holds only
// letters, digits and "/_-", and otherwise as "~" followed by its
// unpadded base64url form. Event arguments travel as their Socket.IO JSON
// text plus binary attachments, so nothing is re-encoded on either side.
//
// Messages published while NATS is unreachable are buffered by nats.go
// (its reconnect buffer) or dropped; the adapter never blocks on it.
// Inbound messages wait in nats.go's per-subscription queue (512k messages
// or 64 MiB by default); beyond that NATS drops them (slow consumer), as
// core NATS does for every subscriber.
// Adapters are safe for concurrent use.
package natsadapter
