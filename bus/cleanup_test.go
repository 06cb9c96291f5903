package bus

import (
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
)

// closeCounter is an AdapterFactory of single-server adapters counting
// their Close calls per namespace.
type closeCounter struct {
	mu     sync.Mutex
	closed map[string]int
}

type countedAdapter struct {
	singleAdapter
	name string
	c    *closeCounter
}

func (a countedAdapter) Close() error {
	a.c.mu.Lock()
	a.c.closed[a.name]++
	a.c.mu.Unlock()
	return nil
}

func (c *closeCounter) factory(l Local) (Adapter, error) {
	return countedAdapter{name: l.Namespace(), c: c}, nil
}

func (c *closeCounter) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed[name]
}

// registered returns the namespace registered under name, or nil (without
// creating it, unlike Of).
func (s *Server) registered(name string) *Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nss[name]
}

func TestCleanupEmptyChildNamespaces(t *testing.T) {
	t.Parallel()
	cc := &closeCounter{closed: map[string]int{}}
	s := newServer(t, Config{CleanupEmptyChildNamespaces: true, NewAdapter: cc.factory})
	parent := s.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	var created atomic.Int32
	parent.OnNamespace(func(*Namespace) { created.Add(1) })
	parent.Use(func(so *Socket) error {
		if string(so.Handshake().Auth) == `{"token":"bad"}` {
			return &ConnectError{Message: "bad token"}
		}
		return nil
	})
	left := make(chan *Namespace, 4)
	parent.OnConnection(func(so *Socket) {
		so.On("disconnect", func(*Event) {
			if s.registered(so.Namespace().Name()) != so.Namespace() {
				t.Error("namespace removed before the disconnect listeners ran")
			}
			left <- so.Namespace()
		})
	})
	gone := func(name string) bool { return s.registered(name) == nil && len(parent.Children()) == 0 }

	a, b := dial(t, s, false), dial(t, s, false)
	a.connect(t, "/dyn-1")
	b.connect(t, "/dyn-1")
	first := s.registered("/dyn-1")
	if first == nil || len(parent.Children()) != 1 || created.Load() != 1 {
		t.Fatalf("child not created: %v, %v", first, parent.Children())
	}

	a.send(t, "1/dyn-1,")
	recv(t, left)
	if s.registered("/dyn-1") != first || cc.count("/dyn-1") != 0 {
		t.Fatal("child removed while a socket is still connected")
	}
	b.send(t, "1/dyn-1,")
	recv(t, left)
	waitFor(t, "child removed", func() bool { return gone("/dyn-1") })
	if n := cc.count("/dyn-1"); n != 1 {
		t.Fatalf("adapter closed %d times, want 1", n)
	}

	// A new connection creates a new child.
	a.connect(t, "/dyn-1")
	second := s.registered("/dyn-1")
	if second == nil || second == first || created.Load() != 2 {
		t.Fatalf("no new child: %p (old %p), created %d", second, first, created.Load())
	}
	a.send(t, "1/dyn-1,")
	recv(t, left)
	waitFor(t, "second child removed", func() bool { return gone("/dyn-1") })

	// A refused connection leaves no child behind.
	a.send(t, `0/dyn-2,{"token":"bad"}`)
	a.expect(t, `4/dyn-2,{"message":"bad token"}`)
	waitFor(t, "refused child removed", func() bool { return gone("/dyn-2") })
	if n := cc.count("/dyn-2"); n != 1 {
		t.Fatalf("refused child's adapter closed %d times", n)
	}

	// Static namespaces stay.
	s.Of("/static")
	a.connect(t, "/static")
	a.send(t, "1/static,")
	a.connect(t, "/static") // still there: connects again
	if s.registered("/static") == nil || cc.count("/static") != 0 {
		t.Fatal("static namespace removed")
	}

	// Shutdown closes each remaining adapter once.
	a.connect(t, "/dyn-3")
	_ = s.Close()
	waitFor(t, "dyn-3 closed", func() bool { return cc.count("/dyn-3") == 1 })
	if n := cc.count("/"); n != 1 {
		t.Fatalf("main adapter closed %d times", n)
	}
}

func TestChildNamespacesKeptByDefault(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	parent := s.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	left := make(chan struct{}, 1)
	parent.OnConnection(func(so *Socket) { so.On("disconnect", func(*Event) { left <- struct{}{} }) })
	p := dial(t, s, false)
	p.connect(t, "/dyn-1")
	p.send(t, "1/dyn-1,")
	recv(t, left)
	if s.registered("/dyn-1") == nil || len(parent.Children()) != 1 {
		t.Fatal("child removed without CleanupEmptyChildNamespaces")
	}
}

// TestCleanupRace connects and disconnects many sockets to the same child
// concurrently: every socket connects to the registered child, and the
// child is gone at the end.
func TestCleanupRace(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{CleanupEmptyChildNamespaces: true})
	parent := s.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	var orphans atomic.Int32
	parent.OnConnection(func(so *Socket) {
		if s.registered(so.Namespace().Name()) != so.Namespace() {
			orphans.Add(1)
		}
	})
	const peers, rounds = 8, 20
	var wg sync.WaitGroup
	for i := range peers {
		p := dial(t, s, false)
		nsp := fmt.Sprintf("/dyn-%d", i%2)
		wg.Go(func() {
			for range rounds {
				p.connect(t, nsp)
				p.send(t, "1"+nsp+",")
			}
		})
	}
	wg.Wait()
	waitFor(t, "children removed", func() bool {
		return len(parent.Children()) == 0 && s.registered("/dyn-0") == nil && s.registered("/dyn-1") == nil
	})
	if n := orphans.Load(); n != 0 {
		t.Fatalf("%d sockets connected to a removed child", n)
	}
}
