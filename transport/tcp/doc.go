// Package tcp is the raw TCP transport of sockbus, for Go peers inside a
// datacentre: Engine.IO v4 sessions carried over a byte stream (plain TCP or
// TLS) with the length-prefixed framing of Engine.IO 4.1 (the WebTransport
// framing). A Server plugs into the same engine.Server as the HTTP
// transports (polling, WebSocket), so a TCP peer is a session like any other:
// it sits in the same rooms and receives the same broadcasts as browsers.
// The client side is package transport/engineclient with a tcp:// or tls://
// URL.
//
// # Framing
//
// Each frame is a header followed by a body; the body is one Engine.IO
// packet in its WebSocket form (type digit + UTF-8 text, or the raw bytes of
// a binary message):
//
//	body length <= 125:    1 header byte:  length
//	body length <= 65535:  1 header byte 126, then the length, 2 bytes big-endian
//	otherwise:             1 header byte 127, then the length, 8 bytes big-endian
//
// The top bit (0x80) of the first header byte is set when the body is a
// binary message. A body longer than the engine's MaxPayload (+1 for the type
// digit) is a protocol error.
//
// # Session
//
// The client opens with a text frame holding "0" (the open packet), whose
// data is empty or a JSON object
//
//	{"query": {"name": ["value", ...]}, "header": {"Name": ["value", ...]}}
//
// that becomes the Handshake's Query and Header (the Socket.IO auth object
// travels in the Socket.IO CONNECT packet, as over the other transports). A
// "sid" member (resuming a session) is refused. The server answers with the
// Engine.IO open packet "0{"sid":..,"upgrades":[],"pingInterval":..,
// "pingTimeout":..,"maxPayload":..}" and then packets flow both ways: the
// server pings ("2"), the client answers "3"; "1" closes; "4" carries
// messages. There are no upgrades and no noops.
//
// A connection whose first frame does not arrive within HandshakeTimeout, is
// not a text open packet, or carries a bad JSON object is closed without a
// session. A bad frame later closes that session with transport.ErrParse;
// other connections are unaffected.
//
// # Concurrency and performance
//
// Each connection has one reader goroutine (which hands packets to the
// session in order) and one writer goroutine. The writer coalesces every
// packet the session has queued into one write (or one writev for large
// messages), under the engine's WriteTimeout. Messages are framed through
// transport.Message.Framed, so a broadcast frames each message once and every
// TCP connection writes the same shared bytes.
package tcp
