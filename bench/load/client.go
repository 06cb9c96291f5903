package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lxzan/gws"
)

const ringSize = 1 << 16

// fleet is the set of simulated Socket.IO clients and the shared counters
// their read loops update. Every method is safe for concurrent use.
type fleet struct {
	url      string // ws://host:port/socket.io/?EIO=4&transport=websocket
	hostport string
	srcs     []net.IP
	base     time.Time // timestamps in payloads are nanoseconds since base

	lat       histogram
	delivered atomic.Int64
	flood     atomic.Int64 // flood messages read by a non-counting client
	malformed atomic.Int64
	closed    atomic.Int64 // clients closed before stopping was set
	stopping  atomic.Bool

	counts      [ringSize]atomic.Int32 // deliveries per sequence number slot
	expect      [ringSize]atomic.Int32 // recipients expected per slot
	completions chan struct{}          // one per sequence fully delivered
}

func newFleet(url, hostport string, nsrc int) *fleet {
	f := &fleet{url: url, hostport: hostport, base: time.Now(), completions: make(chan struct{}, ringSize)}
	for i := range max(nsrc, 1) {
		f.srcs = append(f.srcs, net.IPv4(127, 0, 0, byte(2+i%250)))
	}
	return f
}

func (f *fleet) now() int64 { return int64(time.Since(f.base)) }

// arm prepares sequence seq for want recipients; call before sending it.
func (f *fleet) arm(seq int64, want int) {
	slot := seq & (ringSize - 1)
	f.counts[slot].Store(0)
	f.expect[slot].Store(int32(want))
}

// client is one simulated Socket.IO client on its own WebSocket.
type client struct {
	f     *fleet
	id    int
	conn  *gws.Conn
	ready chan struct{} // closed once the CONNECT reply arrived
	once  sync.Once
	gone  chan struct{} // closed on OnClose
	acks  chan int      // ids of received acks
	ackID int
	// counting is false for a client whose deliveries must not count.
	counting atomic.Bool
	// stall, when non-nil, blocks the read loop on the first event until closed.
	stall  chan struct{}
	errMsg atomic.Value
}

// OnOpen implements gws.Event; the client waits for the Engine.IO open packet.
func (c *client) OnOpen(*gws.Conn) {}

// OnClose implements gws.Event.
func (c *client) OnClose(*gws.Conn, error) {
	if !c.f.stopping.Load() {
		c.f.closed.Add(1)
	}
	close(c.gone)
}

// OnPing implements gws.Event.
func (c *client) OnPing(s *gws.Conn, p []byte) { _ = s.WritePong(p) }

// OnPong implements gws.Event.
func (c *client) OnPong(*gws.Conn, []byte) {}

// OnMessage implements gws.Event: Engine.IO and Socket.IO framing.
func (c *client) OnMessage(s *gws.Conn, m *gws.Message) {
	defer m.Close()
	b := m.Bytes()
	if len(b) == 0 {
		return
	}
	switch b[0] {
	case '0': // Engine.IO open: CONNECT to "/"
		_ = s.WriteMessage(gws.OpcodeText, []byte("40"))
	case '2': // ping
		_ = s.WriteMessage(gws.OpcodeText, []byte("3"))
	case '1':
		_ = s.NetConn().Close()
	case '4':
		if len(b) < 2 {
			return
		}
		switch b[1] {
		case '0':
			c.once.Do(func() { close(c.ready) })
		case '4':
			c.errMsg.Store("connect error: " + string(b))
			_ = s.NetConn().Close()
		case '2':
			c.onEvent(b)
		case '3':
			c.onAck(b)
		}
	}
}

func (c *client) onEvent(b []byte) {
	if c.stall != nil {
		<-c.stall
		return
	}
	if !c.counting.Load() {
		if len(b) >= floodSize {
			c.f.flood.Add(1)
		}
		return
	}
	ts, seq, ok := parseStamp(b)
	if !ok {
		c.f.malformed.Add(1)
		return
	}
	f := c.f
	f.delivered.Add(1)
	f.lat.record(time.Duration(f.now() - ts))
	slot := seq & (ringSize - 1)
	if f.counts[slot].Add(1) == f.expect[slot].Load() {
		select {
		case f.completions <- struct{}{}:
		default:
		}
	}
}

func (c *client) onAck(b []byte) {
	i := 2
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	id, err := strconv.Atoi(string(b[2:i]))
	if err != nil {
		c.f.malformed.Add(1)
		return
	}
	if ts, _, ok := parseStamp(b[i:]); ok && c.counting.Load() {
		c.f.delivered.Add(1)
		c.f.lat.record(time.Duration(c.f.now() - ts))
	}
	select {
	case c.acks <- id:
	default:
		c.f.malformed.Add(1)
	}
}

// parseStamp finds the first JSON string starting with a digit and reads
// "<ts>:<seq>:" from it.
func parseStamp(b []byte) (ts, seq int64, ok bool) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '"' || b[i+1] < '0' || b[i+1] > '9' {
			continue
		}
		j := i + 1
		ts, j, ok = digits(b, j)
		if !ok || j >= len(b) || b[j] != ':' {
			return 0, 0, false
		}
		seq, j, ok = digits(b, j+1)
		if !ok || j >= len(b) || b[j] != ':' {
			return 0, 0, false
		}
		return ts, seq, true
	}
	return 0, 0, false
}

func digits(b []byte, j int) (int64, int, bool) {
	var v int64
	start := j
	for j < len(b) && b[j] >= '0' && b[j] <= '9' && j-start < 19 {
		v = v*10 + int64(b[j]-'0')
		j++
	}
	return v, j, j > start
}

// send writes one Engine.IO text frame.
func (c *client) send(frame []byte) error { return c.conn.WriteMessage(gws.OpcodeText, frame) }

// call sends an event with a fresh ack id and waits for that ack.
func (c *client) call(ctx context.Context, frame func(id int) []byte) error {
	c.ackID++
	id := c.ackID
	if err := c.send(frame(id)); err != nil {
		return err
	}
	for {
		select {
		case got := <-c.acks:
			if got == id {
				return nil
			}
		case <-c.gone:
			return errors.New("connection closed while waiting for ack")
		case <-ctx.Done():
			return fmt.Errorf("ack %d: %w", id, ctx.Err())
		}
	}
}

type dialOpts struct {
	timeout time.Duration
	rcvbuf  int // SO_RCVBUF if > 0
	stall   chan struct{}
}

// ipBindAddressNoPort is IP_BIND_ADDRESS_NO_PORT: with a bound source
// address, defer the port choice to connect so ports are shared per
// destination.
const ipBindAddressNoPort = 24

func (f *fleet) dial(id int, o dialOpts) (*client, error) {
	d := net.Dialer{
		Timeout:   o.timeout,
		LocalAddr: &net.TCPAddr{IP: f.srcs[id%len(f.srcs)]},
		Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
				if o.rcvbuf > 0 {
					_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, o.rcvbuf)
				}
			})
		},
	}
	nc, err := d.Dial("tcp", f.hostport)
	if err != nil {
		return nil, err
	}
	c := &client{f: f, id: id, ready: make(chan struct{}), gone: make(chan struct{}), acks: make(chan int, 4), stall: o.stall}
	c.counting.Store(true)
	conn, _, err := gws.NewClientFromConn(c, &gws.ClientOption{
		Addr:             f.url,
		HandshakeTimeout: o.timeout,
		ReadBufferSize:   2048,
		Logger:           quietLogger{},
	}, nc)
	if err != nil {
		return nil, err
	}
	c.conn = conn
	go conn.ReadLoop()
	t := time.NewTimer(o.timeout)
	defer t.Stop()
	select {
	case <-c.ready:
		return c, nil
	case <-c.gone:
		msg, _ := c.errMsg.Load().(string)
		return nil, fmt.Errorf("closed before CONNECT reply %s", msg)
	case <-t.C:
		_ = nc.Close()
		return nil, errors.New("no CONNECT reply in time")
	}
}

// connectAll connects n clients with at most par dials in flight, retrying
// each failed client up to 3 times. Slow, if >= 0, is the index of the
// client dialled with opts.stall and a tiny receive buffer.
func (f *fleet) connectAll(n, par int, o dialOpts, slow int) ([]*client, error) {
	clients := make([]*client, n)
	errs := make(chan error, 1)
	sem := make(chan struct{}, max(par, 1))
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			oo := dialOpts{timeout: o.timeout}
			if i == slow {
				oo = o
			}
			var err error
			for attempt := range 3 {
				if attempt > 0 {
					time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
				}
				var c *client
				if c, err = f.dial(i, oo); err == nil {
					clients[i] = c
					return
				}
			}
			select {
			case errs <- fmt.Errorf("client %d: %w", i, err):
			default:
			}
		}()
		select {
		case err := <-errs:
			wg.Wait()
			f.closeAll(clients)
			return nil, err
		default:
		}
	}
	wg.Wait()
	select {
	case err := <-errs:
		f.closeAll(clients)
		return nil, err
	default:
	}
	return clients, nil
}

func (f *fleet) closeAll(clients []*client) {
	f.stopping.Store(true)
	for _, c := range clients {
		if c != nil {
			_ = c.conn.NetConn().Close()
		}
	}
}

type quietLogger struct{}

// Error implements gws.Logger and drops the message.
func (quietLogger) Error(...any) {}
