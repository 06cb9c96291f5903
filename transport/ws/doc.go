// Package ws implements the Engine.IO v4 WebSocket transport on
// github.com/lxzan/gws as an engine.Transport.
//
// It uses only gws.Upgrader inside the engine's http.Handler, with
// ParallelEnabled off so messages arrive in order on one read loop per
// connection (run with engine.Server.Go).
//
// # Writes
//
// A transport.Message is framed once per broadcast, with Message.Framed:
// the complete unmasked server frame is cached on the Message and shared by
// every recipient. Whoever writes a connection takes every packet queued
// for it and writes all of their frames (and pending pongs) with one system
// call: small frames are copied into the writer's buffer, large ones are
// written from their shared bytes with writev.
//
// On Linux, plain TCP connections without compression are written by a
// small pool per Server: one worker per GOMAXPROCS shard, each fed by a
// lock-free stack of connections with pending output. A worker exists only
// while its shard has work, writes each connection with one non-blocking
// writev from the worker's own buffers, and so a broadcast allocates
// nothing per recipient and an idle connection holds no writer goroutine
// and no write buffer. When a socket's buffer is full, the unwritten rest
// moves to a goroutine of that connection, which writes under
// engine.Config.WriteTimeout until the connection has drained, then hands
// it back to the pool. A session closed as a slow consumer closes its
// connection at once (engine.Aborter), ending any write in progress.
// Other connections (TLS, compression, other systems) get such a goroutine
// for each busy period, with a write deadline on every write.
//
// Writers write to gws's NetConn directly. This is safe because gws
// itself writes only close frames in this configuration (Engine.IO
// heartbeats are application packets, and WebSocket pings are answered
// through our writer), every gws write is a single Write call, and net.Conn
// writes of *net.TCPConn and *tls.Conn are atomic with respect to each other.
// With permessage-deflate (Config.Compression) the writer uses
// gws WriteMessage instead, which compresses per connection.
package ws
