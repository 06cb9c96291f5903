// Package ws implements the Engine.IO v4 WebSocket transport on
// github.com/lxzan/gws as an engine.Transport.
//
// It uses only gws.Upgrader inside the engine's http.Handler, with
// ParallelEnabled off so messages arrive in order on one read loop per
// connection (run with engine.Server.Go).
//
// # Writes
//
// Each connection has at most one writer goroutine, started when the session
// has something to send and ended when it has drained. The writer takes every
// packet queued for the connection and writes all of their frames with one
// net.Conn write (a writev when large messages are involved), under a write
// deadline. A transport.Message is framed once per broadcast, with
// Message.Framed: the complete unmasked server frame is cached on the
// Message and shared by every recipient, so a broadcast allocates nothing
// per recipient.
//
// The writer writes to gws's NetConn directly. This is safe because gws
// itself writes only close frames in this configuration (Engine.IO
// heartbeats are application packets, and WebSocket pings are answered
// through our writer), every gws write is a single Write call, and net.Conn
// writes of *net.TCPConn and *tls.Conn are atomic with respect to each other.
// With permessage-deflate (Config.Compression) the writer uses
// gws WriteMessage instead, which compresses per connection.
package ws
