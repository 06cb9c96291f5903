//go:build interop

package goclient_test

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/sockbus/sockbus/client"
)

// roomPeer is one member of the mixed room: it can emit, and list what it
// received before the next "end" marker.
type roomPeer interface {
	emit(t *testing.T, ev string, arg any)
	// before returns the events ("name args-json") received before the
	// "end" event whose argument is n, failing on any other "end".
	before(t *testing.T, n int) []string
}

// TestMixedRoom puts an official socket.io-client (Node), a Go WebSocket
// client and a Go TCP client in one room of a sockbus server: a broadcast to
// the room reaches each exactly once, and a broadcast from one member that
// excludes its sender reaches exactly the other two.
func TestMixedRoom(t *testing.T) {
	requireNode(t)
	t.Parallel()
	srv := startBusServer(t)
	node := &nodePeer{proc: startNode(t, "driver.mjs", "http://"+srv.httpAddr, "mix")}
	t.Cleanup(func() { _ = node.proc.stdin.Close(); node.proc.kill() })
	nodeID := node.proc.line(t, "JOINED ")
	ws, tcp := joinGo(t, srv, modeWebSocket, "mix"), joinGo(t, srv, modeTCP, "mix")
	peers := map[string]roomPeer{"node": node, "go-ws": ws, "go-tcp": tcp}

	got, err := srv.bus.Of("/").To("mix").FetchSockets(withTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	want := []string{nodeID, ws.s.ID(), tcp.s.ID()}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("room members %q, want %q", ids, want)
	}

	// A server broadcast to the room, then the marker.
	root := srv.bus.Of("/")
	if err := root.To("mix").Emit("news", "to all", 1); err != nil {
		t.Fatal(err)
	}
	if err := root.To("mix").Emit("end", 1); err != nil {
		t.Fatal(err)
	}
	for name, p := range peers {
		if got, want := p.before(t, 1), []string{`news ["to all",1]`}; !slices.Equal(got, want) {
			t.Errorf("%s received %q, want %q exactly once", name, got, want)
		}
	}

	// From each member in turn: a broadcast excluding the sender, then a
	// marker to the whole room (both handled in order by the server).
	for i, sender := range []string{"node", "go-ws", "go-tcp"} {
		end := i + 2
		peers[sender].emit(t, "socket-to", roomEmit{Rooms: []string{"mix"}, Event: "from", Args: []any{sender}})
		peers[sender].emit(t, "to", roomEmit{Rooms: []string{"mix"}, Event: "end", Args: []any{end}})
		for name, p := range peers {
			want := []string{fmt.Sprintf(`from [%q]`, sender)}
			if name == sender {
				want = nil
			}
			if got := p.before(t, end); !slices.Equal(got, want) {
				t.Errorf("broadcast from %s: %s received %q, want %q", sender, name, got, want)
			}
		}
	}
}

// goPeer is a Go client in the room.
type goPeer struct {
	s  *client.Socket
	ev recorder
}

// joinGo connects a Go client over mode and joins room.
func joinGo(t *testing.T, srv peerServer, mode, room string) *goPeer {
	t.Helper()
	m := newManager(t, srv.dialer(mode).Dial)
	s := m.Socket("/", client.SocketConfig{})
	ev := record()
	connected := record().on(s, "connect")
	s.OnAny(ev.h)
	s.Connect()
	connected.want(t, "connect")
	if _, err := s.EmitWithAck(withTimeout(t), "join", room); err != nil {
		t.Fatal(err)
	}
	return &goPeer{s: s, ev: ev}
}

func (p *goPeer) emit(t *testing.T, ev string, arg any) {
	t.Helper()
	if err := p.s.Emit(ev, arg); err != nil {
		t.Fatal(err)
	}
}

func (p *goPeer) before(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	for {
		var e *client.Event
		select {
		case e = <-p.ev:
		case <-time.After(wait):
			t.Fatalf("no end %d", n)
		}
		args := string(e.Args.AppendJSON(nil))
		if e.Name == "end" {
			if args != fmt.Sprintf("[%d]", n) {
				t.Fatalf("end %s, want [%d]", args, n)
			}
			return got
		}
		got = append(got, e.Name+" "+args)
	}
}

// nodePeer is the socket.io-client driven by testdata/driver.mjs.
type nodePeer struct{ proc *nodeProc }

func (p *nodePeer) emit(t *testing.T, ev string, arg any) {
	t.Helper()
	line, err := json.Marshal([]any{ev, arg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(p.proc.stdin, string(line)+"\n"); err != nil {
		t.Fatal(err)
	}
}

func (p *nodePeer) before(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	for {
		var ev []json.RawMessage
		if err := json.Unmarshal([]byte(p.proc.line(t, "EVENT ")), &ev); err != nil || len(ev) == 0 {
			t.Fatalf("driver event: %v", err)
		}
		var name string
		_ = json.Unmarshal(ev[0], &name)
		args, _ := json.Marshal(ev[1:])
		if name == "end" {
			if string(args) != fmt.Sprintf("[%d]", n) {
				t.Fatalf("node: end %s, want [%d]", args, n)
			}
			return got
		}
		got = append(got, name+" "+string(args))
	}
}
