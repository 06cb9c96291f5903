package polling

import "github.com/sockbus/sockbus/transport/engine"

// Getting reports whether a GET of sess is in flight.
func Getting(sess *engine.Session) bool {
	c, ok := sess.Writer().(*conn)
	if !ok {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getting
}
