// Package transporttest checks that a transport.Conn implementation keeps the
// transport contract, in the spirit of golang.org/x/net/nettest: Run drives a
// connected pair through ordering, attachment atomicity, close reasons,
// idempotent close, slow consumers and concurrent sends.
//
// It also holds Dial, a minimal Engine.IO v4 client (WebSocket and
// long-polling) meant for tests of the engine and its transports; it is not a
// production client.
package transporttest
