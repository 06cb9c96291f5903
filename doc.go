// Package sockbus wires the Engine.IO server (transport/engine) with the
// long-polling and WebSocket transports at "/socket.io/", so that a
// transport.Handler — typically a *bus.Server — serves socket.io-client v4
// browsers:
//
//	srv, _ := bus.NewServer(bus.Config{})
//	log.Fatal(sockbus.ListenAndServe(":3000", srv))
//
// Serve does the same on a net.Listener and returns, after closing every
// connection and session, once the listener is closed. For graceful
// shutdown, build the handler with NewHandler, serve it from
// your own http.Server, and call Handler.Shutdown after (or alongside)
// http.Server.Shutdown: hijacked WebSocket connections are not tracked by
// http.Server, the engine closes them.
package sockbus
