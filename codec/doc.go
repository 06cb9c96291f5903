// Package codec implements the wire formats of Engine.IO protocol v4 and
// Socket.IO protocol v5: Engine.IO packets, polling payloads, the
// length-prefixed stream framing of Engine.IO 4.1 (used by the raw TCP
// transport), Socket.IO packets with binary attachments, and the conversion of
// Go arguments to and from JSON with {"_placeholder":true,"num":N} markers.
//
// Arguments stay raw JSON until a handler decodes them, so JSON round-trips
// byte for byte. Every decoder enforces hard limits and reports malformed
// input with a *SyntaxError or one of the Err* sentinels; none panics.
//
// The package imports only the standard library. Functions are safe for
// concurrent use; a Decoder is not (use one per connection).
package codec
