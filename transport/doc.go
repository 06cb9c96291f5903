// Package transport is the contract between the Socket.IO layer (package bus)
// and the connections that carry Engine.IO messages (packages under
// transport/: engine, ws, polling, tcp) or an in-process Pipe.
//
// It holds interfaces, the shared Message type, the close reasons, and an
// in-memory Pipe. It imports no networking code, so a program that uses the
// bus in-process links none.
//
// # Model
//
// Inbound is pushed: the transport owns exactly one reader per connection and
// calls Handler.OnOpen, then OnMessage for each Engine.IO message in order,
// then OnClose exactly once. Calls for one Conn never overlap.
//
// Outbound never blocks: Conn.Send enqueues messages atomically into a bounded
// outbox drained by one writer per connection. A connection whose outbox
// overflows is closed with ErrSlowConsumer.
//
// # Byte ownership
//
// A *Message handed to Send is shared, read-only, by every recipient of a
// broadcast; neither the caller nor a transport may modify it after Send. A
// *Message handed to OnMessage belongs to the Handler, which may retain it.
package transport
