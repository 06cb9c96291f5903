package redisadapter_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
	"github.com/sockbus/sockbus/bus/redisadapter"
	"github.com/sockbus/sockbus/redisemitter"
	"github.com/sockbus/sockbus/transport/engine"
)

// nodePeer drives interop/cluster/peer.mjs: a Node socket.io server on the
// same Redis, official socket.io-client clients and a Node emitter.
type nodePeer struct {
	t       *testing.T
	cmd     *exec.Cmd
	enc     *json.Encoder
	lines   chan map[string]any
	backlog []map[string]any
	seq     int
	port    int
}

func startNode(t *testing.T, redisURL, prefix string) *nodePeer {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		adaptertest.NoPeer(t, "node not found; install Node 20 and run npm ci in the repository root")
	}
	root, _ := filepath.Abs("../..")
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@socket.io", "redis-adapter")); err != nil {
		adaptertest.NoPeer(t, "node_modules missing; run npm ci in the repository root")
	}
	cmd := exec.Command(node, filepath.Join(root, "interop", "cluster", "peer.mjs"))
	cmd.Env = append(os.Environ(), "REDIS_URL="+redisURL, "PREFIX="+prefix)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nodePeer{t: t, cmd: cmd, enc: json.NewEncoder(stdin), lines: make(chan map[string]any, 256)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				p.lines <- m
			}
		}
	}()
	t.Cleanup(func() {
		_ = p.enc.Encode(map[string]any{"op": "close"})
		_ = stdin.Close()
		timer := time.AfterFunc(5*time.Second, func() { _ = cmd.Process.Kill() })
		for range p.lines {
		}
		<-done
		_ = cmd.Wait()
		timer.Stop()
	})
	p.port = int(p.wait("listening", nil)["port"].(float64))
	return p
}

// wait returns the first line (backlog first) with ev whose fields match.
func (p *nodePeer) wait(ev string, match map[string]any) map[string]any {
	p.t.Helper()
	ok := func(m map[string]any) bool {
		if m["ev"] != ev {
			return false
		}
		for k, v := range match {
			if fmt.Sprint(m[k]) != fmt.Sprint(v) {
				return false
			}
		}
		return true
	}
	for i, m := range p.backlog {
		if ok(m) {
			p.backlog = slices.Delete(p.backlog, i, i+1)
			return m
		}
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, open := <-p.lines:
			if !open {
				p.t.Fatalf("node peer exited while waiting for %s %v", ev, match)
			}
			if ok(m) {
				return m
			}
			p.backlog = append(p.backlog, m)
		case <-timeout:
			p.t.Fatalf("timeout waiting for %s %v; got %v", ev, match, p.backlog)
		}
	}
}

// do runs a command and returns its "done" line.
func (p *nodePeer) do(op string, fields map[string]any) map[string]any {
	p.t.Helper()
	p.seq++
	cmd := map[string]any{"op": op, "seq": p.seq}
	for k, v := range fields {
		cmd[k] = v
	}
	if err := p.enc.Encode(cmd); err != nil {
		p.t.Fatal(err)
	}
	res := p.wait("done", map[string]any{"seq": p.seq})
	if e, ok := res["error"]; ok {
		p.t.Fatalf("%s: %v", op, e)
	}
	return res
}

// event waits for client name to receive event and returns its args as JSON.
func (p *nodePeer) event(name, event string) string {
	p.t.Helper()
	m := p.wait("event", map[string]any{"name": name, "event": event})
	b, _ := json.Marshal(m["args"])
	return string(b)
}

// nextEvent returns the next event client name receives ("name args").
func (p *nodePeer) nextEvent(name string) string {
	p.t.Helper()
	m := p.wait("event", map[string]any{"name": name})
	b, _ := json.Marshal(m["args"])
	return fmt.Sprintf("%s %s", m["event"], b)
}

func TestMixedCluster(t *testing.T) {
	addr := redisAddr(t)
	prefix := "sockbus-mixed-" + fmt.Sprint(time.Now().UnixNano())
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = client.Close() })

	// The sockbus server, over the network.
	srv, err := bus.NewServer(bus.Config{NewAdapter: redisadapter.New(redisadapter.Config{Client: client, Prefix: prefix})})
	if err != nil {
		t.Fatal(err)
	}
	ns := srv.Of("/")
	ns.OnConnection(func(s *bus.Socket) {
		s.SetData(map[string]any{"lang": "go"})
		s.On("join", func(e *bus.Event) {
			var room string
			_ = e.Args.Decode(0, &room)
			e.Socket().Join(room)
			_ = e.Ack("ok")
		})
	})
	ns.OnServerSideEmit("ping", func(e *bus.Event) {
		if e.WantsAck() {
			_ = e.Ack("pong-from-go")
		}
	})
	h, err := sockbus.NewHandler(srv, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		_ = h.Close()
		ts.Close()
		_ = srv.Close()
	})

	node := startNode(t, "redis://"+addr, prefix)
	node.do("client", map[string]any{"name": "nodeA", "url": fmt.Sprintf("http://127.0.0.1:%d", node.port)})
	node.do("client", map[string]any{"name": "goA", "url": ts.URL})
	nodeID := node.wait("connected", map[string]any{"name": "nodeA"})["id"].(string)
	goID := node.wait("connected", map[string]any{"name": "goA"})["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("server count", func(t *testing.T) {
		node.t = t
		waitFor(t, "2 servers", func() bool { n, err := ns.ServerCount(ctx); return err == nil && n == 2 })
		if n := node.do("serverCount", nil)["count"]; n != 2.0 {
			t.Fatalf("node server count %v", n)
		}
	})

	t.Run("node to go broadcast with binary", func(t *testing.T) {
		node.t = t
		node.do("emit", map[string]any{"event": "from-node", "args": []any{1, map[string]any{"a": true}, map[string]any{"buf": []int{1, 2, 3}}}})
		want := `[1,{"a":true},{"buf":[1,2,3]}]`
		for _, c := range []string{"goA", "nodeA"} {
			if got := node.event(c, "from-node"); got != want {
				t.Fatalf("%s got %s, want %s", c, got, want)
			}
		}
	})

	t.Run("go to node broadcast with binary", func(t *testing.T) {
		node.t = t
		if err := ns.Emit("from-go", "x", 1.5, []byte{4, 5}); err != nil {
			t.Fatal(err)
		}
		want := `["x",1.5,{"buf":[4,5]}]`
		for _, c := range []string{"nodeA", "goA"} {
			if got := node.event(c, "from-go"); got != want {
				t.Fatalf("%s got %s, want %s", c, got, want)
			}
		}
	})

	t.Run("rooms and except across servers", func(t *testing.T) {
		node.t = t
		node.do("join", map[string]any{"name": "nodeA", "room": "red"})
		if err := ns.To("red").Emit("red-only"); err != nil {
			t.Fatal(err)
		}
		if err := ns.Emit("marker1"); err != nil {
			t.Fatal(err)
		}
		if got := node.nextEvent("nodeA"); got != "red-only []" {
			t.Fatalf("nodeA got %s", got)
		}
		if got := node.nextEvent("goA"); got != "marker1 []" {
			t.Fatalf("goA got %s (red-only leaked?)", got)
		}
		node.nextEvent("nodeA") // marker1
		node.do("emit", map[string]any{"except": []string{"red"}, "event": "not-red"})
		node.do("emit", map[string]any{"rooms": []string{goID}, "event": "to-go-socket"})
		node.do("emit", map[string]any{"event": "marker2"})
		for _, want := range []string{"not-red []", "to-go-socket []", "marker2 []"} {
			if got := node.nextEvent("goA"); got != want {
				t.Fatalf("goA got %s, want %s", got, want)
			}
		}
		if got := node.nextEvent("nodeA"); got != "marker2 []" {
			t.Fatalf("nodeA got %s", got)
		}
	})

	t.Run("fetch sockets", func(t *testing.T) {
		node.t = t
		got, err := ns.FetchSockets(ctx)
		if err != nil || len(got) != 2 {
			t.Fatalf("go fetch: %d sockets, %v", len(got), err)
		}
		var remote *bus.RemoteSocket
		for _, r := range got {
			if r.ID == nodeID {
				remote = r
			}
		}
		b, _ := json.Marshal(remote.Data)
		if remote == nil || !slices.Contains(remote.Rooms, "red") || string(b) != `{"lang":"node"}` {
			t.Fatalf("node socket %+v data %s", remote, b)
		}
		res := node.do("fetch", nil)
		s, _ := json.Marshal(res["sockets"])
		if !strings.Contains(string(s), `{"data":{"lang":"go"},"id":"`+goID+`","rooms":["`+goID+`"]}`) {
			t.Fatalf("node fetch: %s", s)
		}
	})

	t.Run("server-side emit with ack", func(t *testing.T) {
		node.t = t
		acks, err := ns.ServerSideEmitWithAck(ctx, "ping", "from-go")
		if err != nil || len(acks) != 1 {
			t.Fatalf("acks %v, %v", acks, err)
		}
		var s string
		if err := acks[0].Decode(0, &s); err != nil || s != "pong-from-node" {
			t.Fatalf("ack %q %v", s, err)
		}
		if got := node.wait("server-side", nil)["arg"]; got != "from-go" {
			t.Fatalf("node got %v", got)
		}
		res := node.do("serverSideEmit", map[string]any{"event": "ping", "args": []any{"from-node"}})
		if a, _ := json.Marshal(res["acks"]); string(a) != `["pong-from-go"]` {
			t.Fatalf("node acks %s", a)
		}
	})

	t.Run("broadcast with ack", func(t *testing.T) {
		node.t = t
		acks, err := ns.EmitWithAck(ctx, "q")
		if err != nil || len(acks) != 2 {
			t.Fatalf("go acks %v, %v", acks, err)
		}
		var got []string
		for _, a := range acks {
			var s string
			_ = a.Decode(0, &s)
			got = append(got, s)
		}
		slices.Sort(got)
		if strings.Join(got, ",") != "ack-q-goA,ack-q-nodeA" {
			t.Fatalf("go acks %v", got)
		}
		res := node.do("emitWithAck", map[string]any{"event": "q2"})
		a, _ := json.Marshal(res["acks"])
		if !strings.Contains(string(a), "ack-q2-goA") || !strings.Contains(string(a), "ack-q2-nodeA") {
			t.Fatalf("node acks %s", a)
		}
		node.event("goA", "q")
		node.event("nodeA", "q")
		node.event("goA", "q2")
		node.event("nodeA", "q2")
	})

	t.Run("emitters", func(t *testing.T) {
		node.t = t
		node.do("emitter", map[string]any{"event": "from-node-emitter", "args": []any{map[string]any{"buf": []int{9}}}})
		if got := node.event("goA", "from-node-emitter"); got != `[{"buf":[9]}]` {
			t.Fatalf("goA got %s", got)
		}
		node.event("nodeA", "from-node-emitter")
		em := redisemitter.New(redisemitter.Config{Client: client, Prefix: prefix})
		if err := em.Emit(ctx, "from-go-emitter", 42, []byte{7}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"goA", "nodeA"} {
			if got := node.event(c, "from-go-emitter"); got != `[42,{"buf":[7]}]` {
				t.Fatalf("%s got %s", c, got)
			}
		}
		if err := em.In(goID).SocketsJoin(ctx, "blue"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "emitter join", func() bool {
			s := ns.Socket(goID)
			return s != nil && slices.Contains(s.Rooms(), "blue")
		})
	})
}
