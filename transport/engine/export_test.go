package engine

// Idle reports whether the session's writer found nothing to write on its
// last Take and is waiting for a Wake: for polling, a GET is pending.
func Idle(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idle
}

// Query returns query(raw).Get(key).
func Query(raw, key string) string { return query(raw).Get(key) }
