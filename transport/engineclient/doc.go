// Package engineclient is the client side of Engine.IO protocol v4: it opens
// a session to an Engine.IO server (the Node engine.io/socket.io server or
// sockbus's transport/engine) over HTTP long-polling, WebSocket, or the raw
// TCP stream transport of package transport/tcp, and presents it as a
// transport.Conn driving a transport.Handler.
//
// A Dialer is the configuration; Dialer.Dial has the shape the Socket.IO
// client expects:
//
//	d := &engineclient.Dialer{URL: "http://127.0.0.1:3000"}
//	cfg := client.Config{Dial: d.Dial}
//
// # Transports
//
// Polling performs the GET handshake, then runs one long-poll GET at a time
// and POSTs outbound packets in batches kept under the server's maxPayload
// (binary messages as "b"+base64). Unless Dialer.NoUpgrade is set, a polling
// session offered "websocket" probes a WebSocket in the background
// ("2probe"/"3probe"), pauses polling once the probe succeeds (the pending GET
// is released by the server's noop and no POST is left in flight), sends "5"
// and continues over the WebSocket with the same outbox, so no message is
// lost or reordered in either direction.
//
// WebSocket sends one packet per frame: text as the type digit and the data,
// binary messages as raw binary frames.
//
// TCP (URL schemes tcp and tls) speaks the length-prefixed stream framing
// described in package transport/tcp.
//
// # Heartbeat and close
//
// The server pings ("2"), the client answers "3". If no ping arrives within
// pingInterval+pingTimeout of the previous one (or of the handshake), the
// session closes with transport.ErrPingTimeout. A local Close sends the
// Engine.IO close packet "1" before disconnecting; a close packet from the
// server closes with transport.ErrTransportClose, a network failure with
// transport.ErrTransportError, a malformed packet with transport.ErrParse.
//
// # Concurrency
//
// Each session owns one goroutine that delivers inbound packets to the
// Handler (never concurrently, in order, OnClose last and once), one writer
// goroutine draining a bounded outbox with a deadline on every write, and,
// while upgrading, one probe goroutine. All end before OnClose is called.
// Conn methods are safe for concurrent use; Send never blocks.
package engineclient
