// Package client is a Socket.IO v5 client: it connects to a Socket.IO server
// (a sockbus bus.Server in the same process, or any Socket.IO v4 server over
// the network) through whatever transport its Config.Dial opens.
//
// The API mirrors the server's Socket, so one vocabulary serves both sides: a
// Manager owns one Engine.IO connection and multiplexes namespaces; each
// namespace is a *Socket with On, Once, OnAny, Emit and EmitWithAck.
//
//	m, _ := client.New(client.Config{Dial: dial})
//	defer m.Close()
//	s := m.Socket("/", client.SocketConfig{Auth: map[string]any{"token": "t"}})
//	s.On("news", func(e *client.Event) { var msg string; _ = e.Args.Decode(0, &msg) })
//	s.Connect()
//	_ = s.Emit("hello", "world") // sent once connected
//
// The package depends on no transport: Config.Dial opens one Engine.IO
// connection and drives the transport.Handler it is given. In process that is
// transport.Pipe to a bus.Server; over the network it is one of the dialers of
// transport/engineclient.
//
// # Delivery and goroutines
//
// Handlers of one Manager run in order on the goroutine that delivers the
// connection's messages (the transport's), or on the reconnect goroutine for
// events about dialing (connect_error after a failed dial, reconnect_attempt,
// reconnect_error, reconnect_failed, error). A handler must not block for
// long: it holds up every later message of the connection. In particular a
// handler must not wait for an acknowledgement (EmitWithAck) on the same
// Manager; start a goroutine for that. Panics in handlers are recovered and
// logged.
//
// # Lifecycle events
//
// A Socket emits "connect" when the server accepts its namespace,
// "connect_error" (Event.Err is a *ConnectError when the server refused,
// otherwise the dial error) and "disconnect" (Event.Reason, one of the
// Reason* constants). A Manager emits "open", "close", "error",
// "reconnect_attempt", "reconnect", "reconnect_error" and
// "reconnect_failed", with Event.Attempt and Event.Err set where they apply.
//
// # Buffering, volatile emits and retries
//
// Emits made while a socket is not connected are kept, up to
// Config.SendBufferSize packets, and sent in order once it connects again; an
// emit that finds the buffer full is refused with ErrBufferFull (the packets
// already accepted are kept, so no accepted emit is ever lost silently).
// Volatile emits are never buffered: while disconnected they are dropped and
// return ErrNotConnected.
//
// With Config.Retries > 0 every non-volatile emit asks for an
// acknowledgement and goes through a queue: one packet in flight at a time,
// in order, resent after Config.AckTimeout (and after a reconnection) until
// acknowledged or tried Retries+1 times. Delivery is at least once: a packet
// whose acknowledgement was lost is sent again.
//
// # In-process values
//
// When the connection is a transport.ValueConn (transport.Pipe), events and
// acknowledgements travel as Go values (*codec.Packet with Values) and are
// never encoded to JSON; Args.Decode then assigns or converts the values.
package client
