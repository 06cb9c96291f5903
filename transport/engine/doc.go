// Package engine implements server-side Engine.IO v4 sessions, independent of
// the transport that carries them.
//
// A Server is the http.Handler for the Engine.IO path. It validates every
// request (protocol version, transport, sid, method, CORS, AllowRequest) and
// answers errors exactly as the Node engine.io server does, then hands the
// request to the Transport named by the transport query parameter. Transports
// (packages transport/polling and transport/ws) register through
// Config.Transports; engine imports neither of them.
//
// A Session is the transport.Conn handed to the transport.Handler. It owns
// the Engine.IO state that must survive a polling to WebSocket upgrade: the
// sid, the heartbeat, and one bounded outbox. Heartbeat timers are
// time.AfterFunc timers, so an idle session costs no goroutine.
//
// # Transport API
//
// A transport (including a raw byte-stream transport such as transport/tcp)
// drives a session with four calls:
//
//   - Server.Open(w, hs) opens a session over the Writer w.
//   - Session.Receive(w, p) hands it every inbound packet, in order, from one
//     reader at a time.
//   - Session.Take(w, dst, max) returns what w must write now; the engine
//     calls w.Wake whenever Take would return something new. When Take
//     reports done, w writes what it got and then closes its connection.
//   - Session.Closed(w, err) reports that w's connection is gone.
//
// Session.Probe(w) starts a WebSocket upgrade of a polling session. A
// Writer that also implements Aborter is told to close its connection at
// once when its session closes as a slow consumer.
//
// Writers only ever get packets from Take, so exactly one writer per session
// writes at a time and nothing is lost or reordered across an upgrade.
package engine
