// Package goclient holds the network tests of the Go Socket.IO client
// (package client over transport/engineclient) against real peers; it has no
// API. Run them with the interop build tag:
//
//	go test -race -tags interop ./interop/goclient/
//
// The matrix runs the same cases (events both ways, binary, acknowledgements
// both ways with timeouts, namespaces multiplexed on one Manager, middleware
// refusal data, reconnection after a server restart on the same port, and
// emits buffered while the server is down) against the official Node
// socket.io 4.8 server (testdata/server.mjs) over WebSocket and
// polling-with-upgrade, and against a sockbus server over WebSocket,
// polling-with-upgrade and TCP. A mixed-room test puts an official
// socket.io-client (testdata/driver.mjs), a Go WebSocket client and a Go TCP
// client in one room of a sockbus server.
//
// Tests that need Node skip when node or node_modules is missing, unless
// SOCKBUS_REQUIRE_PEERS=1, which makes them fail.
package goclient
