// Package polling implements the Engine.IO v4 HTTP long-polling transport as
// an engine.Transport.
//
// A GET is held until the session has packets (or a ping) to deliver and is
// answered with them joined by \x1e, binary messages as "b"+base64, within
// the server's MaxPayload. A POST carries the client's packets; it is
// answered "ok". Errors follow the Node engine.io server: overlapping GETs or
// POSTs get 400 and kill the session (a pending GET receives a close
// packet), an aborted pending GET kills the session, an
// application/octet-stream POST gets 400, a body over MaxPayload gets 413,
// and any other method gets 500.
//
// A polling session costs no goroutine while no GET is pending.
package polling
